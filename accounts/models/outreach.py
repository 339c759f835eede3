"""Outreach (政策找人): a saved segment of the ledger and a notice sent to every verified
member of its households (each member's notification: accounts/models/notifications.py)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models.places import Household, Neighborhood

TITLE_MAX = 80
BODY_MAX = 2000


class Segment(models.Model):
    """Ledger filters saved under a name, e.g. "90岁以上老人" for the free-milk policy."""

    neighborhood = models.ForeignKey(
        Neighborhood, on_delete=models.CASCADE, related_name="segments"
    )
    name = models.CharField(_("name"), max_length=64)
    filters = models.JSONField(_("filters"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        constraints = [
            models.UniqueConstraint(fields=["neighborhood", "name"], name="segment_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Outreach(models.Model):
    neighborhood = models.ForeignKey(
        Neighborhood, on_delete=models.CASCADE, related_name="outreaches"
    )
    segment = models.ForeignKey(
        Segment, on_delete=models.SET_NULL, null=True, blank=True, related_name="outreaches"
    )
    # The filters as they were when sent, whatever happens to the segment later.
    filters = models.JSONField(default=dict)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("text"), max_length=BODY_MAX)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    household_count = models.PositiveIntegerField(default=0)
    member_count = models.PositiveIntegerField(default=0)
    # Set when every member's live notification has been published.
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outreach")
        verbose_name_plural = _("outreach")
        indexes = [models.Index(fields=["neighborhood", "-created_at"], name="outreach_place")]

    def __str__(self) -> str:
        return self.title

    @property
    def stream(self) -> str:
        return f"outreach.{self.pk}"


class OutreachHousehold(models.Model):
    """A household the outreach matched, with how many verified members it notified."""

    outreach = models.ForeignKey(Outreach, on_delete=models.CASCADE, related_name="households")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    member_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["outreach", "household"], name="outreachhousehold_unique"
            )
        ]
        indexes = [
            models.Index(fields=["outreach", "member_count"], name="outreachhousehold_reach")
        ]

    def __str__(self) -> str:
        return f"{self.outreach_id}/{self.household_id}"


# Door visits (上门走访) -------------------------------------------------------------------

NOTE_MAX = 500


class VisitOutcome(models.TextChoices):
    INFORMED = "informed", _("informed")
    NOT_HOME = "not_home", _("not at home")
    REFUSED = "refused", _("refused")
    MOVED_OUT = "moved_out", _("moved out")
    OTHER = "other", _("other")


class VisitAssignment(models.Model):
    """Who knocks on a household's door for an outreach: one visitor per household, so
    the phones of a household are revealed to one person besides the secretary."""

    outreach = models.ForeignKey(Outreach, on_delete=models.CASCADE, related_name="assignments")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="visit_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField()

    class Meta:
        verbose_name = _("door-visit assignment")
        verbose_name_plural = _("door-visit assignments")
        constraints = [
            models.UniqueConstraint(fields=["outreach", "household"], name="visitassignment_unique")
        ]
        indexes = [models.Index(fields=["outreach", "visitor"], name="visitassignment_visitor")]

    def __str__(self) -> str:
        return f"{self.outreach_id}/{self.household_id} → {self.visitor_id}"


class DoorVisit(models.Model):
    """One knock on a door and what it found. Every visit is kept (not home on Monday,
    informed on Wednesday): the latest says where the household stands, the earlier ones
    are the record of the effort the committee made."""

    outreach = models.ForeignKey(Outreach, on_delete=models.CASCADE, related_name="visits")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField(_("visit date"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=VisitOutcome.choices)
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)
    follow_up = models.BooleanField(_("follow-up needed"), default=False)
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("door visit")
        verbose_name_plural = _("door visits")
        indexes = [
            models.Index(fields=["outreach", "household", "-recorded_at"], name="doorvisit_house"),
            models.Index(fields=["outreach", "outcome"], name="doorvisit_outcome"),
        ]
        constraints = [
            models.CheckConstraint(
                name="doorvisit_follow_up_date_needs_follow_up",
                condition=models.Q(follow_up_on__isnull=True) | models.Q(follow_up=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.outreach_id}/{self.household_id} {self.outcome}"
