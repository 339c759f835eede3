"""A building of owners and residents to vote in, shared by the voting tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts.models import Building, Household, Neighborhood, Owner, User
from tests import factories
from voting import services
from voting.models import Ballot


@dataclass
class Scene:
    place: Neighborhood
    building: Building
    houses: list[Household]
    reps: list[User]  # the representative of each house, who is also its owner
    staff: User
    staff2: User
    landlord: Owner | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def scene(n: int = 4, *, area: str = "100.00") -> Scene:
    """n owner-occupied units of one building, each with a verified representative who owns
    it (linked by the ID hash), and two committee staff."""
    place = factories.neighborhood()
    building = factories.building(place, "3号楼")
    houses = [factories.household_in(building, area=area) for _ in range(n)]
    reps = []
    for number, house in enumerate(houses):
        rep = factories.verified(house, f"业主{number}")
        owner = Owner(neighborhood=place, real_name=f"业主{number}")
        owner.id_number_hash = rep.identity_hash or ""
        owner.id_number_encrypted = "x"
        owner.id_number_masked = "31**************00"
        owner.save()
        factories.owner(house, of=owner)
        reps.append(rep)
    return Scene(
        place,
        building,
        houses,
        reps,
        factories.staff(place),
        factories.staff(place, role="secretary"),
    )


def later(hours: float = 2) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def ballot(s: Scene, **fields: Any) -> Ballot:
    """An open ballot of the scene's building (households, more yes than no, unless told)."""
    params: dict[str, Any] = {
        "actor": s.staff,
        "neighborhood_id": s.place.pk,
        "title": "3号楼加装电梯",
        "voter_unit": "household",
        "scope": "building",
        "building_id": s.building.pk,
        "closes_at": later(),
        "open_now": True,
    }
    params.update(fields)
    return services.ballot_create(**params)


def owner_living_elsewhere(s: Scene, name: str = "远方房东") -> tuple[User, Owner]:
    """A rented flat of the building whose owner lives in another neighborhood: no member
    here, but an elector of its owners' ballots (matched by the ID number verified)."""
    rented = factories.household_in(s.building, area="55.00", tenure="tenant")
    landlord = factories.verified(factories.household(factories.neighborhood()), name)
    owner = factories.owner(rented, name)
    owner.id_number_hash = landlord.identity_hash or ""
    owner.save()
    return landlord, owner


def neighbors_enough_for_secret(place: Neighborhood) -> list[User]:
    """Residents of `place`, so that a secret ballot of the whole neighborhood has the
    electorate it needs (LINLI_SECRET_MIN_ELECTORS) whoever else lives there."""
    return [factories.resident(place) for _ in range(settings.LINLI_SECRET_MIN_ELECTORS)]


def stored_as_before_secrecy(b: Ballot) -> None:
    """Rewrite a secret ballot's stored live tallies (and visibility) as the code before
    voting/secrecy.py left them: shown live, with turnout by area and the counts by option
    (here each event carries the ballot's current count)."""
    from realtime.models import Event
    from voting import live
    from voting.selectors import counted_tally

    b.refresh_from_db()
    Ballot.objects.filter(pk=b.pk).update(visibility="live")
    shown = Ballot.objects.get(pk=b.pk)
    shown.secret = False  # what the old payload showed of every ballot shown live
    old = dict(live.payload_of(shown, counted_tally(b)))
    assert "tally" in old and "area" in old["participation"] and "area" in old["progress"]
    Event.objects.filter(stream=b.stream, type="ballot.tally").update(data=old)
