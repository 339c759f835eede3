"""A user's notifications: one row each, with read and acknowledged times. Every app
notifies through accounts/notifications/services.py; an outreach notice is one kind."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models.outreach import TITLE_MAX, Outreach
from accounts.models.places import Household


class NotificationKind(models.TextChoices):
    OUTREACH = "outreach", _("notice from the committee")
    VERIFICATION = "verification", _("verification")
    BALLOT = "ballot", _("ballot")
    ROLE = "role", _("committee role")


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(max_length=200, blank=True)
    outreach = models.ForeignKey(
        Outreach, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    # When its live event went out on user.<id>; a crashed delivery resumes from here.
    published_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["outreach", "user"],
                condition=Q(outreach__isnull=False),
                name="notification_one_per_outreach",
            )
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["outreach"],
                condition=Q(published_at__isnull=True),
                name="notification_unpublished",
            ),
        ]

    def __str__(self) -> str:
        return self.title
