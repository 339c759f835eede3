"""Whom a user may vote for on a ballot: their own elector and those who delegated to them.

- a person ballot: the elector that is the user;
- a household ballot: the household whose representative the user is now (a change of
  representative after the ballot opened moves the vote with it);
- an owners' ballot: the owner whose ID number the user's account was verified with;
- any ballot: the electors whose active, unexpired proxy names the user.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from accounts.models import Residency, User
from voting.models import Ballot, Elector, Proxy, Vote, VoterUnit


@dataclass(frozen=True)
class Slot:
    elector: Elector
    own: bool
    proxy: Proxy | None  # the proxy the user holds for it (own is False then)
    voted: bool
    delegated: Proxy | None  # an own elector's active proxy given to someone else
    # An open ballot's current choice for this elector, so a page can show it again;
    # always None on secret ballots (nothing links a voter to their choice).
    choice: list[str] | None = None


def own_electors(user: User, ballot: Ballot) -> list[Elector]:
    if not user.is_authenticated:
        return []
    electors = Elector.objects.filter(ballot=ballot)
    if ballot.voter_unit == VoterUnit.PERSON:
        return list(electors.filter(user=user))
    if ballot.voter_unit == VoterUnit.HOUSEHOLD:
        houses = Residency.objects.filter(
            user=user, ended_at__isnull=True, is_representative=True
        ).values("household_id")
        return list(electors.filter(household_id__in=houses))
    if not user.identity_hash:
        return []
    return list(electors.filter(owner__id_number_hash=user.identity_hash))


def active_proxies() -> Q:
    return Q(revoked_at__isnull=True) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    )


def slots(user: User, ballot: Ballot) -> list[Slot]:
    """The user's own electors first, then those held by proxy; with what each has done."""
    own = own_electors(user, ballot)
    held = list(
        Proxy.objects.filter(active_proxies(), ballot=ballot, delegate_id=user.pk).select_related(
            "elector"
        )
        if user.is_authenticated
        else []
    )
    ids = [e.pk for e in own] + [p.elector_id for p in held]
    voted = set(
        Elector.objects.filter(pk__in=ids, participation__isnull=False).values_list("pk", flat=True)
    )
    choices: dict[int, list[str]] = (
        {}
        if ballot.secret
        else dict(Vote.objects.filter(elector_id__in=voted).values_list("elector_id", "choice"))
    )
    given = {
        p.elector_id: p
        for p in Proxy.objects.filter(
            active_proxies(), elector_id__in=[e.pk for e in own]
        ).select_related("delegate")
    }
    return [Slot(e, True, None, e.pk in voted, given.get(e.pk), choices.get(e.pk)) for e in own] + [
        Slot(p.elector, False, p, p.elector_id in voted, None, choices.get(p.elector_id))
        for p in held
    ]
