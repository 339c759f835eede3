"""Casting a vote online, for oneself or as a proxy (委托).

One Participation row per elector is what makes a second vote impossible, whatever the
concurrency: the database refuses the second insert. Open ballots then turn a repeat into
a change of vote (history kept); secret ballots refuse it (`already_voted`), since nothing
links the voter to their SecretVote row.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import User
from core.errors import DomainError, Invalid, NotFound
from voting import live, slots
from voting.models import Ballot, Channel, Participation, Proxy, Vote, VoteRevision
from voting.services.common import check_choice, lock_open
from voting.store import Target, VoteStore, own_elector, vote_store

# Receipts: 10 characters of an alphabet with no 0/O or 1/I/L, grouped for reading aloud.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class CastResult:
    ballot_id: int
    elector_id: int
    receipt: str | None  # secret ballots only: shown once, published with all at close
    changed: bool  # an open ballot's earlier vote was replaced


def new_receipt() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def not_eligible() -> Invalid:
    return Invalid(_("You are not in this ballot's electorate."), code="not_eligible")


def resolve(user: User, ballot: Ballot, elector_id: object) -> Target:
    """The elector the user votes for, and the proxy they vote through (if any)."""
    if elector_id is not None and (isinstance(elector_id, bool) or not isinstance(elector_id, int)):
        raise Invalid(_("Please choose whom you vote for."), code="invalid")
    row = own_elector(user, ballot, elector_id)
    if row is None:
        if elector_id is not None:
            return _by_proxy(user, ballot, elector_id)
        raise not_eligible_or_hidden(user, ballot)
    found, area, delegated = row
    if delegated:
        raise Invalid(
            _("You gave your vote on this ballot to a proxy; revoke it to vote yourself."),
            code="delegated",
        )
    return Target(found, area, None)


def not_eligible_or_hidden(user: User, ballot: Ballot) -> DomainError:
    """Outside the electorate: `not_eligible` to a member, the ballot does not exist to
    anyone else (checked only on this path, so a vote costs no membership query)."""
    if not access.is_member(user, ballot.neighborhood_id):
        return NotFound(_("Not found."))
    return not_eligible()


def _by_proxy(user: User, ballot: Ballot, elector_id: int) -> Target:
    proxy = (
        Proxy.objects.filter(
            ballot=ballot, elector_id=elector_id, delegate=user, revoked_at__isnull=True
        )
        .select_related("elector")
        .first()
    )
    if proxy is None:
        raise not_eligible_or_hidden(user, ballot)
    if proxy.expires_at is not None and proxy.expires_at <= timezone.now():
        raise Invalid(_("This proxy has expired."), code="proxy_invalid")
    return Target(proxy.elector_id, proxy.elector.area, proxy)


def ballot_cast(
    *, user: User, ballot_id: int, choice: object, elector_id: object = None
) -> CastResult:
    """check -> resolve -> store -> nudge.

    A voter's own vote goes first to the store's one statement (`_cast_own`: on
    PostgreSQL the common vote is one round trip); whenever it stored nothing, for whatever
    reason, the steps run one by one and give the same answers they always do."""
    store = vote_store()
    if elector_id is None and (done := _cast_own(store, user, ballot_id, choice)) is not None:
        return done
    with transaction.atomic():
        ballot = _open_ballot(store, user, ballot_id)  # check: open, and seen by the user
        picked = check_choice(ballot, choice)  # check: a choice the ballot allows
        target = resolve(user, ballot, elector_id)  # resolve: whose vote, through whom
        receipt = new_receipt() if ballot.secret else None
        if not store.store(ballot, target, user, picked, timezone.now(), receipt):  # store
            return _again(ballot, target, user, picked)  # voted already
        live.nudge_on_commit(ballot.pk)  # nudge: the live tally, after commit
    return CastResult(ballot.pk, target.elector_id, receipt, changed=False)


def _cast_own(store: VoteStore, user: User, ballot_id: int, choice: object) -> CastResult | None:
    """The common vote (one's own elector, first time, a valid choice, an open ballot)
    checked against the ballot's kept shape, then resolved and stored by the store at once;
    None whenever it stored nothing (or the store has no such statement)."""
    shape = store.shape(ballot_id)
    picked = shape.check(choice) if shape is not None else None
    if shape is None or picked is None:
        return None
    receipt = new_receipt() if shape.secret else None
    elector = store.cast_own(user, ballot_id, shape, picked, timezone.now(), receipt)
    if elector is None:
        return None
    live.nudge_on_commit(ballot_id)  # at once, unless a caller's transaction holds it
    return CastResult(ballot_id, elector, receipt, changed=False)


def _open_ballot(store: VoteStore, user: User, ballot_id: int) -> Ballot:
    """The open ballot, locked for share; a closed one refused as such to whoever may see
    it, and to anyone else the ballot does not exist."""
    try:
        ballot = lock_open(ballot_id)
    except Ballot.DoesNotExist:
        raise NotFound(_("Not found.")) from None
    except Invalid:
        ballot = Ballot.objects.get(pk=ballot_id)
        if not (access.is_member(user, ballot.neighborhood_id) or slots.own_electors(user, ballot)):
            raise NotFound(_("Not found.")) from None
        raise
    store.remember(ballot)
    return ballot


def _again(ballot: Ballot, target: Target, user: User, picked: tuple[str, ...]) -> CastResult:
    """The elector has voted: an open ballot's online vote may be changed until close (by
    whoever may vote for the elector now); a secret or paper vote may not."""
    already = Invalid(_("This vote has been cast already."), code="already_voted")
    if ballot.secret:
        raise already
    proxy = target.proxy
    participation = Participation.objects.select_for_update().get(elector_id=target.elector_id)
    if participation.channel != Channel.ONLINE:
        raise already
    if participation.proxy_id is not None and participation.proxy_id != (proxy and proxy.pk):
        raise already  # cast through a proxy: only that proxy may change it
    vote = Vote.objects.select_for_update().get(elector_id=target.elector_id)
    now = timezone.now()
    vote.choice = list(picked)
    vote.updated_at = now
    vote.save(update_fields=["choice", "updated_at"])
    VoteRevision.objects.create(vote=vote, choice=list(picked), cast_by=user, at=now)
    participation.cast_by = user
    participation.proxy = proxy
    participation.save(update_fields=["cast_by", "proxy"])
    live.nudge_on_commit(ballot.pk)
    return CastResult(ballot.pk, target.elector_id, None, changed=True)
