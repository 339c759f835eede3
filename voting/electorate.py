"""The electorate of a ballot, frozen as Elector rows when it opens.

Later ledger edits (a resident moves away, an area is corrected, a unit is sold) never move
the denominators of a ballot already open: its electors, heads and areas are these rows.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts import identity
from accounts.ledger.filters import years_before
from accounts.models import Household, Owner, Ownership, Residency, Resident
from voting.models import Ballot, Elector, Scope, VoterUnit


def households_in_scope(ballot: Ballot) -> QuerySet[Household]:
    households = Household.objects.filter(building__neighborhood_id=ballot.neighborhood_id)
    if ballot.scope == Scope.BUILDING:
        households = households.filter(building=ballot.building)
    elif ballot.scope == Scope.UNITS:
        households = households.filter(pk__in=ballot.unit_ids)
    return households


def build(ballot: Ballot) -> list[Elector]:
    """The electors of the ballot as it opens (unsaved rows)."""
    households = households_in_scope(ballot)
    if ballot.voter_unit == VoterUnit.OWNER:
        return _owners(ballot, households)
    if ballot.voter_unit == VoterUnit.HOUSEHOLD:
        return _households(ballot, households)
    return _persons(ballot, households)


def _owners(ballot: Ballot, households: QuerySet[Household]) -> list[Elector]:
    """One elector per owner: one unit is one owner, and an owner of several units counts
    once by head with the area of all their units in the electorate (法释〔2009〕7号)."""
    area: dict[int, Decimal] = defaultdict(Decimal)
    addresses: dict[int, list[str]] = defaultdict(list)
    names: dict[int, str] = {}
    rows = list(
        Ownership.objects.filter(household__in=households)
        .select_related("owner", "household__building")
        .order_by("household__building__name", "household__unit", "household__room")
    )
    # Held to commit, in pk order: a clerk clearing an owner's last unit (which deletes the
    # owner) waits for the open instead of failing it on the foreign key.
    list(
        Owner.objects.select_for_update()
        .filter(pk__in={row.owner_id for row in rows})
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for row in rows:
        area[row.owner_id] += row.household.floor_area
        addresses[row.owner_id].append(row.household.address)
        names[row.owner_id] = row.owner.real_name
    return [
        Elector(
            ballot=ballot,
            owner_id=owner_id,
            area=area[owner_id],
            label=_label(addresses[owner_id], identity.mask_name(names[owner_id])),
        )
        for owner_id in area
    ]


def _households(ballot: Ballot, households: QuerySet[Household]) -> list[Elector]:
    """Every household someone lives in: by the ledger (a current resident) or by a
    verified account. Empty units have no vote in a residents' ballot."""
    lived_in = households.filter(
        Exists(Resident.objects.filter(household=OuterRef("pk"), left_at__isnull=True))
        | Exists(Residency.objects.filter(household=OuterRef("pk"), ended_at__isnull=True))
    ).select_related("building")
    return [
        Elector(ballot=ballot, household=house, area=house.floor_area, label=house.address)
        for house in lived_in.order_by("building__name", "unit", "room")
    ]


def _persons(ballot: Ballot, households: QuerySet[Household]) -> list[Elector]:
    """Every verified account of the electorate's households, of age by the ledger."""
    born_by = years_before(timezone.localdate(), ballot.min_age)
    residencies = (
        Residency.objects.filter(
            household__in=households,
            ended_at__isnull=True,
            resident__isnull=False,
            resident__left_at__isnull=True,
            resident__birth_date__lte=born_by,
        )
        .select_related("resident", "household__building")
        .order_by("household__building__name", "household__unit", "household__room", "pk")
    )
    return [
        Elector(
            ballot=ballot,
            user_id=row.user_id,
            resident=row.resident,
            area=Decimal(0),  # persons weigh by head only
            label=_label([row.household.address], str(row.resident)),
        )
        for row in residencies
    ]


def _label(addresses: list[str], name: str) -> str:
    shown = "、".join(addresses[:3]) + ("…" if len(addresses) > 3 else "")
    return f"{shown} {name}"[:200]
