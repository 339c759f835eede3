"""People: accounts, the residents of the ledger, verified residency and roles per place."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import identity
from accounts.models.places import District, Household, Neighborhood, Subdistrict


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=32, blank=True)
    # A storage name (MEDIA_ROOT locally, object storage in production: docs/deploy.md),
    # always the re-encoded picture of core/images.py, never the upload itself.
    avatar = models.FileField(_("avatar"), upload_to="avatars/", max_length=100, blank=True)
    # The mobile number one signs in with, in E.164 ("+8613800138000"; accounts/auth):
    # one number, one account. Staff and demo accounts may have none.
    phone = models.CharField(_("mobile number"), max_length=16, null=True, blank=True, unique=True)
    phone_verified = models.BooleanField(_("mobile number verified"), default=False)
    # The keyed hash of the ID number of the person this account was verified as: one
    # person, one account. It stays when a residency ends, so the person can verify
    # elsewhere with the same account but never with a second one.
    identity_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    # 长辈模式 (MIIT ageing-friendly norms): larger text, larger targets, stronger contrast,
    # fewer elements. Per account, not per browser: an old resident who signs in on a
    # grandchild's phone gets it there too.
    elder_mode = models.BooleanField(_("elder mode"), default=False)
    # Whether the one-time offer of elder mode (to residents over 60 in the ledger) has
    # been answered, either way: it is asked once.
    elder_mode_offered = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        """How neighbors see this user; never the login name (it may be a phone number)."""
        return self.display_name or gettext("Neighbor %(number)s") % {"number": self.pk}


class Resident(models.Model):
    """A person in the committee's ledger (台账). Not every resident has an account."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="residents")
    real_name = models.CharField(_("real name"), max_length=32)
    # The full number only ever exists encrypted; matching uses the keyed hash and
    # display uses the mask, so neither needs a decryption.
    id_number_encrypted = models.TextField(_("ID number (encrypted)"), editable=False)
    id_number_hash = models.CharField(max_length=64, db_index=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=24, editable=False)
    birth_date = models.DateField(_("birth date"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    vehicles = models.JSONField(_("vehicle plates"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # Children under 14: phone, vehicles and tags are stored only with this flag set.
    guardian_consent = models.BooleanField(_("guardian consent"), default=False)
    # Staff mark people who moved away; the ledger keeps them out of counts by default.
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        indexes = [
            models.Index(fields=["birth_date"], name="resident_birth_date"),
            models.Index(fields=["household", "real_name"], name="resident_household_name"),
        ]

    def __str__(self) -> str:
        return identity.mask_name(self.real_name)

    def set_id_number(self, raw: str) -> None:
        self.id_number_encrypted = identity.encrypt_id_number(raw)
        self.id_number_hash = identity.hash_id_number(raw)
        self.id_number_masked = identity.mask_id_number(raw)


class Residency(models.Model):
    """A user verified as living in a household (实名实户). Ended residencies are kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="residencies")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="residencies")
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, null=True, blank=True, related_name="residencies"
    )
    is_representative = models.BooleanField(_("household representative"), default=False)
    verified_at = models.DateTimeField(_("verified at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("residency")
        verbose_name_plural = _("residencies")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(ended_at__isnull=True), name="residency_one_active"
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(ended_at__isnull=True, is_representative=True),
                name="residency_one_representative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.household}"


class ResidentTag(models.TextChoices):
    """The ledger's fixed vocabulary of care tags: filters and imports accept only these."""

    LIVING_ALONE = "living_alone", _("living alone")
    DISABLED = "disabled", _("disabled")
    LOW_INCOME = "low_income", _("low income (低保)")
    VETERAN = "veteran", _("veteran")
    KEY_CARE = "key_care", _("needs regular visits")
    PARTY_MEMBER = "party_member", _("party member")
    VOLUNTEER = "volunteer", _("volunteer")


class Role(models.TextChoices):
    STAFF = "staff", _("committee staff")
    SECRETARY = "secretary", _("secretary")
    MODERATOR = "moderator", _("moderator")
    ADMIN = "admin", _("administrator")


class RoleGrant(models.Model):
    """A role held at exactly one place: staff of neighborhood X, admin of subdistrict Y."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.CASCADE, null=True, blank=True)
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, null=True, blank=True)
    district = models.ForeignKey(District, on_delete=models.CASCADE, null=True, blank=True)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.CheckConstraint(
                name="rolegrant_exactly_one_place",
                condition=(
                    Q(neighborhood__isnull=False, subdistrict__isnull=True, district__isnull=True)
                    | Q(neighborhood__isnull=True, subdistrict__isnull=False, district__isnull=True)
                    | Q(neighborhood__isnull=True, subdistrict__isnull=True, district__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="rolegrant_admin_above_neighborhood",
                condition=Q(role="admin", neighborhood__isnull=True) | ~Q(role="admin"),
            ),
        ]

    def __str__(self) -> str:
        place = self.neighborhood or self.subdistrict or self.district
        return f"{self.user} {self.get_role_display()} @ {place}"
