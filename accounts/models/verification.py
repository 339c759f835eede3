"""Becoming a verified resident (实名实户): household codes, requests staff review, the
attempt log that limits guessing, and the flags raised when one person claims twice."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models.people import Resident
from accounts.models.places import Household, Neighborhood


class HouseholdCode(models.Model):
    """A one-time code the committee prints on a letter to one household.

    Only a keyed hash is stored: the code itself is shown once, on the letter.
    """

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("household code")
        verbose_name_plural = _("household codes")
        constraints = [
            # Issuing a new code revokes the old one: a household has one live code.
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                name="householdcode_one_live",
            )
        ]

    def __str__(self) -> str:
        return f"code #{self.pk} for {self.household_id}"


class VerificationMethod(models.TextChoices):
    CODE = "code", _("household code")
    REQUEST = "request", _("request reviewed by staff")


class AttemptOutcome(models.TextChoices):
    VERIFIED = "verified", _("verified")
    REQUESTED = "requested", _("request submitted")
    BAD_CODE = "bad_code", _("unknown code")
    CODE_EXPIRED = "code_expired", _("expired code")
    CODE_SPENT = "code_spent", _("used or revoked code")
    NAME_MISMATCH = "name_mismatch", _("name not in the household")
    AMBIGUOUS = "ambiguous", _("several residents of that name")
    LOCKED = "locked", _("too many attempts")
    DUPLICATE_IDENTITY = "duplicate_identity", _("person already has an account")
    ALREADY_VERIFIED = "already_verified", _("already verified")
    INVALID = "invalid", _("malformed input")


class VerificationAttempt(models.Model):
    """Every attempt to verify, good or bad: the log the attempt limits are counted from.

    Never holds an ID number or a code, only what happened.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verification_attempts"
    )
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    method = models.CharField(max_length=8, choices=VerificationMethod.choices)
    outcome = models.CharField(max_length=24, choices=AttemptOutcome.choices)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("verification attempt")
        verbose_name_plural = _("verification attempts")
        indexes = [
            models.Index(fields=["user", "at"], name="attempt_user_at"),
            models.Index(fields=["household", "at"], name="attempt_household_at"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.method} {self.outcome}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("waiting for review")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class LedgerMatch(models.TextChoices):
    FULL = "full", _("name and ID number match the ledger")
    NAME_ONLY = "name_only", _("name matches, ID number does not")
    NONE = "none", _("no match in the ledger")
    NO_HOUSEHOLD = "no_household", _("address not in the ledger")


class VerificationRequest(models.Model):
    """A resident asks staff to verify them: real name, the ID number's last 6 characters
    and the address. The ledger match is computed when it is filed; the fragment itself
    is not kept beyond its last two characters."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verification_requests"
    )
    neighborhood = models.ForeignKey(
        Neighborhood, on_delete=models.CASCADE, related_name="verification_requests"
    )
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    address_text = models.CharField(_("address"), max_length=64)
    real_name = models.CharField(_("real name"), max_length=32)
    id_fragment_masked = models.CharField(_("ID number (end)"), max_length=8)
    match = models.CharField(max_length=16, choices=LedgerMatch.choices)
    matched_resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("verification request")
        verbose_name_plural = _("verification requests")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="pending"), name="request_one_pending"
            )
        ]
        indexes = [models.Index(fields=["neighborhood", "status"], name="request_queue")]

    def __str__(self) -> str:
        return f"request #{self.pk} ({self.status})"


class IdentityConflict(models.Model):
    """A second account claimed a person who already has one: refused, and shown to staff."""

    neighborhood = models.ForeignKey(
        Neighborhood, on_delete=models.CASCADE, related_name="identity_conflicts"
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    existing_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=8, choices=VerificationMethod.choices)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("identity conflict")
        verbose_name_plural = _("identity conflicts")

    def __str__(self) -> str:
        return f"conflict #{self.pk}"
