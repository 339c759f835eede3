"""Owners (业主) of the units, recorded apart from the residents who live in them.

A landlord may live elsewhere or own several units; a tenant lives in a unit and owns
nothing. Owners' decisions (Civil Code art. 278) count owners, not residents: one unit is
one owner, and one owner of several units counts once by head with the area of all their
units (Supreme People's Court interpretation 法释〔2009〕7号, art. 8-9).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts import identity
from accounts.models.places import Household, Neighborhood


class Owner(models.Model):
    """A person (or the developer) holding title to units in a neighborhood's estate.

    The ID number is kept the way the ledger keeps it: encrypted, hashed, masked. The hash
    is what links an owner to an account (User.identity_hash) so they can vote online.
    """

    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, related_name="owners")
    real_name = models.CharField(_("real name"), max_length=64)
    id_number_encrypted = models.TextField(_("ID number (encrypted)"), editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=24, editable=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("owner")
        verbose_name_plural = _("owners")
        constraints = [
            models.UniqueConstraint(
                fields=["neighborhood", "id_number_hash"], name="owner_unique_person"
            )
        ]

    def __str__(self) -> str:
        return identity.mask_name(self.real_name)

    def set_id_number(self, raw: str) -> None:
        self.id_number_encrypted = identity.encrypt_id_number(raw)
        self.id_number_hash = identity.hash_id_number(raw)
        self.id_number_masked = identity.mask_id_number(raw)


class Ownership(models.Model):
    """The registered owner of one unit. Co-owners of a unit count as one owner, so a unit
    has one registered owner here (the one named first on the title)."""

    household = models.OneToOneField(Household, on_delete=models.PROTECT, related_name="ownership")
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="ownerships")
    since = models.DateField(_("owner since"), null=True, blank=True)

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")

    def __str__(self) -> str:
        return f"{self.owner} @ {self.household}"
