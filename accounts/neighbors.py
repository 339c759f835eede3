"""Picking a neighbor by name and address, not by login name (issue 17): neighbors know
each other as "王阿姨, 3号楼1单元502", never by the login they signed up with.

One read, `eligible_neighbors`, behind every form where a person is chosen (a proxy, a role
grant). It lists only those a form may choose: active accounts verified as adult residents
of the neighborhood, the actor left out. What it shows is what neighbors may know of each
other: the display name, the real name masked as on every resident-facing page (王**) and
the address; never a phone, an ID number or a login name. An empty query lists nobody and
a query lists at most LIMIT people, so the picker finds someone one knows rather than
paging through the whole neighborhood.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts import access, identity
from accounts.ledger.filters import ADULT_AGE, years_before
from accounts.models import Residency, User
from core import text

LIMIT = 20
QUERY_MAX = 40
TOKENS_MAX = 4


@dataclass(frozen=True)
class Neighbor:
    user_id: int
    name: str  # the display name neighbors see
    masked_real_name: str
    address: str


def query_of(raw: object) -> str:
    """A search as typed, cleaned and bounded ("" for anything that is not text)."""
    return text.scrub(raw)[:QUERY_MAX] if isinstance(raw, str) else ""


def _token(token: str) -> Q:
    """One word of the search: part of a name or of the building's name, or the unit or
    room as written on a door ("1单元", "502室" or just "502")."""
    return (
        Q(resident__real_name__icontains=token)
        | Q(user__display_name__icontains=token)
        | Q(household__building__name__icontains=token)
        | Q(household__unit=token.removesuffix("单元"))
        | Q(household__room=token.removesuffix("室"))
    )


def adult_residencies(neighborhood_id: int) -> QuerySet[Residency]:
    """The current residencies of active accounts verified as adults of the ledger in the
    neighborhood: who may hold a proxy and who the picker offers."""
    return Residency.objects.filter(
        ended_at__isnull=True,
        household__building__neighborhood_id=neighborhood_id,
        resident__isnull=False,
        resident__birth_date__lte=years_before(timezone.localdate(), ADULT_AGE),
        user__is_active=True,
    )


def eligible_neighbors(actor: User, neighborhood_id: int, query: str) -> list[Neighbor]:
    """The verified adult residents of the neighborhood matching every word of `query`, by
    address then name; [] for an empty query or an actor who is not a member there (to
    whom the place's people do not exist). 2 queries."""
    words = query_of(query).replace("，", " ").replace(",", " ").split()[:TOKENS_MAX]
    if not words or not access.is_member(actor, neighborhood_id):
        return []
    where = Q()
    for word in words:
        where &= _token(word)
    rows = (
        adult_residencies(neighborhood_id)
        .filter(where)
        .exclude(user_id=actor.pk)
        .select_related("user", "resident", "household__building")
        .order_by("household__building__name", "household__unit", "household__room", "user_id")
    )[:LIMIT]
    return [
        Neighbor(
            user_id=row.user_id,
            name=row.user.public_name,
            masked_real_name=identity.mask_name(row.resident.real_name) if row.resident else "",
            address=row.household.address,
        )
        for row in rows
    ]
