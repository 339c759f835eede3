"""The ledger's memory: every edit with its before and after, every look at personal data."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models.people import Resident
from accounts.models.places import Neighborhood


class LedgerEntity(models.TextChoices):
    HOUSEHOLD = "household", _("household")
    RESIDENT = "resident", _("resident")
    RESIDENCY = "residency", _("residency")
    ROLE = "role", _("role")
    OWNERSHIP = "ownership", _("ownership")


class LedgerAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    IMPORT = "import", _("imported")
    LEAVE = "leave", _("moved away")
    VERIFY = "verify", _("verified")
    END = "end", _("residency ended")
    REPRESENTATIVE = "representative", _("representative changed")
    GRANT = "grant", _("role granted")
    REVOKE = "revoke", _("role revoked")


class LedgerChange(models.Model):
    """Who changed what, when, from what to what. `before`/`after` hold display values:
    an ID number appears only masked, never in full."""

    neighborhood = models.ForeignKey(
        Neighborhood, on_delete=models.CASCADE, related_name="ledger_changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    entity = models.CharField(max_length=16, choices=LedgerEntity.choices)
    entity_id = models.BigIntegerField()
    action = models.CharField(max_length=16, choices=LedgerAction.choices)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("ledger change")
        verbose_name_plural = _("ledger changes")
        indexes = [
            models.Index(fields=["entity", "entity_id", "at"], name="ledgerchange_entity"),
            models.Index(fields=["neighborhood", "at"], name="ledgerchange_place"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.entity_id} {self.action}"


class AccessKind(models.TextChoices):
    REVEAL = "reveal", _("revealed a field")
    EXPORT = "export", _("exported the ledger")
    IMPORT = "import", _("imported a spreadsheet")


class DataAccess(models.Model):
    """The audit of personal data: each reveal and each export, with its reason."""

    neighborhood = models.ForeignKey(
        Neighborhood, on_delete=models.CASCADE, related_name="data_accesses"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    kind = models.CharField(max_length=8, choices=AccessKind.choices)
    resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    field = models.CharField(max_length=16, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    # What an export held: its filters, format and row count; never the data itself.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        indexes = [models.Index(fields=["neighborhood", "at"], name="dataaccess_place")]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.kind} {self.field}"
