"""The places of the ledger: District > Subdistrict > Neighborhood > Building > Household."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class Subdistrict(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="subdistricts")
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        verbose_name = _("subdistrict")
        verbose_name_plural = _("subdistricts")
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="subdistrict_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Neighborhood(models.Model):
    """A neighborhood committee (居委会) and the area it serves."""

    subdistrict = models.ForeignKey(
        Subdistrict, on_delete=models.PROTECT, related_name="neighborhoods"
    )
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        verbose_name = _("neighborhood")
        verbose_name_plural = _("neighborhoods")
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "name"], name="neighborhood_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    neighborhood = models.ForeignKey(
        Neighborhood, on_delete=models.PROTECT, related_name="buildings"
    )
    name = models.CharField(_("name"), max_length=32, help_text=_("e.g. 12号楼"))
    floors = models.PositiveSmallIntegerField(_("floors"), default=6)
    has_elevator = models.BooleanField(_("has an elevator"), default=False)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(fields=["neighborhood", "name"], name="building_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.neighborhood.name} {self.name}"


class Tenure(models.TextChoices):
    OWNER = "owner", _("owner-occupied")
    TENANT = "tenant", _("rented")


class Household(models.Model):
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="households")
    unit = models.CharField(_("unit"), max_length=8, blank=True)
    room = models.CharField(_("room"), max_length=8)
    floor_area = models.DecimalField(_("floor area (m²)"), max_digits=8, decimal_places=2)
    tenure = models.CharField(_("tenure"), max_length=8, choices=Tenure.choices)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(
                fields=["building", "unit", "room"], name="household_unique_address"
            ),
            models.CheckConstraint(
                condition=models.Q(floor_area__gt=Decimal("0")), name="household_area_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        unit = f"{self.unit}单元" if self.unit else ""
        return f"{self.building.name}{unit}{self.room}室"
