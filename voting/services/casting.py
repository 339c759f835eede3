"""Casting a vote online, for oneself or as a proxy (委托).

One Participation row per elector is what makes a second vote impossible, whatever the
concurrency: the database refuses the second insert. Open ballots then turn a repeat into
a change of vote (history kept); secret ballots refuse it (`already_voted`), since nothing
links the voter to their SecretVote row.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import User
from config.errors import Invalid, NotFound
from voting import live, slots
from voting.models import (
    Ballot,
    Channel,
    Elector,
    Participation,
    Proxy,
    SecretVote,
    Vote,
    VoteRevision,
)
from voting.services.common import check_choice, lock_open

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


def resolve(user: User, ballot: Ballot, elector_id: object) -> tuple[Elector, Proxy | None]:
    """The elector the user votes for, and the proxy they vote through (if any)."""
    own = slots.own_electors(user, ballot)
    elector: Elector | None
    if elector_id is None:
        if not own:
            raise not_eligible()
        elector = own[0]
    elif isinstance(elector_id, int) and not isinstance(elector_id, bool):
        elector = next((e for e in own if e.pk == elector_id), None)
        if elector is None:
            return _by_proxy(user, ballot, elector_id)
    else:
        raise Invalid(_("Please choose whom you vote for."), code="invalid")
    if Proxy.objects.filter(slots.active_proxies(), elector=elector).exists():
        raise Invalid(
            _("You gave your vote on this ballot to a proxy; revoke it to vote yourself."),
            code="delegated",
        )
    return elector, None


def _by_proxy(user: User, ballot: Ballot, elector_id: int) -> tuple[Elector, Proxy]:
    proxy = (
        Proxy.objects.filter(
            ballot=ballot, elector_id=elector_id, delegate=user, revoked_at__isnull=True
        )
        .select_related("elector")
        .first()
    )
    if proxy is None:
        raise not_eligible()
    if proxy.expires_at is not None and proxy.expires_at <= timezone.now():
        raise Invalid(_("This proxy has expired."), code="proxy_invalid")
    return proxy.elector, proxy


def ballot_cast(
    *, user: User, ballot_id: int, choice: object, elector_id: object = None
) -> CastResult:
    ballot = Ballot.objects.filter(pk=ballot_id).first()
    if ballot is None or not access.is_member(user, ballot.neighborhood_id):
        raise NotFound(_("Not found."))
    with transaction.atomic():
        ballot = lock_open(ballot_id)
        picked = check_choice(ballot, choice)
        elector, proxy = resolve(user, ballot, elector_id)
        now = timezone.now()
        try:
            with transaction.atomic():
                Participation.objects.create(
                    ballot=ballot,
                    elector=elector,
                    channel=Channel.ONLINE,
                    cast_by=user,
                    proxy=proxy,
                    at=now,
                )
        except IntegrityError:
            return _again(ballot, elector, proxy, user, picked)
        receipt = None
        if ballot.secret:
            receipt = new_receipt()
            SecretVote.objects.create(
                ballot=ballot, choice=list(picked), area=elector.area, receipt=receipt
            )
        else:
            vote = Vote.objects.create(
                ballot=ballot,
                elector=elector,
                choice=list(picked),
                area=elector.area,
                updated_at=now,
            )
            VoteRevision.objects.create(vote=vote, choice=list(picked), cast_by=user, at=now)
        live.nudge_on_commit(ballot.pk)
    return CastResult(ballot.pk, elector.pk, receipt, changed=False)


def _again(
    ballot: Ballot, elector: Elector, proxy: Proxy | None, user: User, picked: tuple[str, ...]
) -> CastResult:
    """The elector has voted: an open ballot's online vote may be changed until close (by
    whoever may vote for the elector now); a secret or paper vote may not."""
    already = Invalid(_("This vote has been cast already."), code="already_voted")
    if ballot.secret:
        raise already
    participation = Participation.objects.select_for_update().get(elector=elector)
    if participation.channel != Channel.ONLINE:
        raise already
    if participation.proxy_id is not None and participation.proxy_id != (proxy and proxy.pk):
        raise already  # cast through a proxy: only that proxy may change it
    vote = Vote.objects.select_for_update().get(elector=elector)
    now = timezone.now()
    vote.choice = list(picked)
    vote.updated_at = now
    vote.save(update_fields=["choice", "updated_at"])
    VoteRevision.objects.create(vote=vote, choice=list(picked), cast_by=user, at=now)
    participation.cast_by = user
    participation.proxy = proxy
    participation.save(update_fields=["cast_by", "proxy"])
    live.nudge_on_commit(ballot.pk)
    return CastResult(ballot.pk, elector.pk, None, changed=True)
