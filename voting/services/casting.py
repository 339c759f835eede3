"""Casting a vote online, for oneself or as a proxy (委托).

One Participation row per elector is what makes a second vote impossible, whatever the
concurrency: the database refuses the second insert. Open ballots then turn a repeat into
a change of vote (history kept); secret ballots refuse it (`already_voted`), since nothing
links the voter to their SecretVote row.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import Owner, Residency, User
from core.db import prepared_row
from core.errors import DomainError, Invalid, NotFound
from voting import live, slots, tally
from voting.models import (
    Ballot,
    Channel,
    Elector,
    Participation,
    Proxy,
    SecretVote,
    Status,
    Vote,
    VoteRevision,
    VoterUnit,
)
from voting.selectors import option_keys
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


@dataclass(frozen=True)
class Target:
    """The elector a vote is for, as the cast needs it."""

    elector_id: int
    area: Decimal
    proxy: Proxy | None


def _elector_match(user: User, voter_unit: str) -> tuple[str, str, list[Any]] | None:
    """The join, condition and parameters that find the user's own elector `e` by the
    ballot's voter unit; None when the user can be no elector of that unit."""
    if voter_unit == VoterUnit.HOUSEHOLD:
        residency = Residency._meta.db_table
        return (
            f"JOIN {residency} r ON r.household_id = e.household_id",
            "r.user_id = %s AND r.ended_at IS NULL AND r.is_representative",
            [user.pk],
        )
    if voter_unit == VoterUnit.OWNER:
        if not user.identity_hash:
            return None
        owner = Owner._meta.db_table
        return f"JOIN {owner} o ON o.id = e.owner_id", "o.id_number_hash = %s", [user.identity_hash]
    return "", "e.user_id = %s", [user.pk]


def _delegated_sql() -> str:
    """Whether elector `e` has a live proxy (one parameter: now)."""
    proxy = Proxy._meta.db_table
    return (
        f"EXISTS (SELECT 1 FROM {proxy} p WHERE p.elector_id = e.id "  # noqa: S608 (fixed names)
        "AND p.revoked_at IS NULL AND (p.expires_at IS NULL OR p.expires_at > %s))"
    )


def _own_row(
    user: User, ballot: Ballot, elector_id: int | None
) -> tuple[int, Decimal, bool] | None:
    """(elector id, area, delegated) of the user's own elector, in one statement."""
    match = _elector_match(user, ballot.voter_unit)
    if match is None:
        return None
    joins, where, match_params = match
    params: list[Any] = [timezone.now(), ballot.pk, *match_params]
    if elector_id is not None:
        where += " AND e.id = %s"
        params.append(elector_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.id, e.area, {_delegated_sql()} FROM {Elector._meta.db_table} e "  # noqa: S608
            f"{joins} WHERE e.ballot_id = %s AND {where} ORDER BY e.id LIMIT 1",
            params,
        )
        row = cursor.fetchone()
    return None if row is None else (int(row[0]), Decimal(row[1]), bool(row[2]))


def resolve(user: User, ballot: Ballot, elector_id: object) -> Target:
    """The elector the user votes for, and the proxy they vote through (if any)."""
    if elector_id is not None and (isinstance(elector_id, bool) or not isinstance(elector_id, int)):
        raise Invalid(_("Please choose whom you vote for."), code="invalid")
    row = _own_row(user, ballot, elector_id)
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


def _participate(ballot: Ballot, target: Target, user: User, now: dt.datetime) -> bool:
    """Insert the elector's participation; False if they have one already (no savepoint:
    the database answers the conflict in the same statement)."""
    table = Participation._meta.db_table
    proxy_id = target.proxy.pk if target.proxy is not None else None
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608 (a fixed table name)
            "(ballot_id, elector_id, channel, cast_by_id, proxy_id, at) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (elector_id) DO NOTHING RETURNING id",
            [
                ballot.pk,
                target.elector_id,
                Channel.ONLINE,
                user.pk,
                proxy_id,
                now,
            ],
        )
        return cursor.fetchone() is not None


def _store(
    ballot: Ballot,
    target: Target,
    user: User,
    picked: tuple[str, ...],
    now: dt.datetime,
    receipt: str | None,
) -> bool:
    """Participation, then the vote; False if the elector had voted already."""
    if not _participate(ballot, target, user, now):
        return False
    if receipt is not None:
        SecretVote.objects.create(
            ballot=ballot, choice=list(picked), area=target.area, receipt=receipt
        )
    else:
        vote = Vote.objects.create(
            ballot=ballot,
            elector_id=target.elector_id,
            choice=list(picked),
            area=target.area,
            updated_at=now,
        )
        VoteRevision.objects.create(vote=vote, choice=list(picked), cast_by=user, at=now)
    return True


def _store_in_one(
    ballot: Ballot,
    target: Target,
    user: User,
    picked: tuple[str, ...],
    now: dt.datetime,
    receipt: str | None,
) -> bool:
    """_store as one PostgreSQL statement: the participation insert feeds the vote's (and the
    revision's), so nothing is written after a conflict and a vote is one round trip."""
    participation = Participation._meta.db_table
    choice = json.dumps(list(picked), ensure_ascii=False)
    proxy_id = target.proxy.pk if target.proxy is not None else None
    head = (
        f"WITH p AS (INSERT INTO {participation} "  # noqa: S608 (fixed table names)
        "(ballot_id, elector_id, channel, cast_by_id, proxy_id, at) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (elector_id) DO NOTHING RETURNING id) "
    )
    params: list[Any] = [ballot.pk, target.elector_id, Channel.ONLINE, user.pk, proxy_id, now]
    if receipt is not None:
        sql = head + (
            f"INSERT INTO {SecretVote._meta.db_table} (id, ballot_id, choice, area, receipt) "
            "SELECT %s, %s, %s::jsonb, %s, %s FROM p RETURNING 1"
        )
        params += [uuid.uuid4(), ballot.pk, choice, target.area, receipt]
    else:
        sql = head + (
            f", v AS (INSERT INTO {Vote._meta.db_table} "
            "(ballot_id, elector_id, choice, area, updated_at) "
            "SELECT %s, %s, %s::jsonb, %s, %s FROM p RETURNING id) "
            f"INSERT INTO {VoteRevision._meta.db_table} (vote_id, choice, cast_by_id, at) "
            "SELECT id, %s::jsonb, %s, %s FROM v RETURNING 1"
        )
        params += [ballot.pk, target.elector_id, choice, target.area, now, choice, user.pk, now]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


@dataclass(frozen=True)
class Shape:
    """What a vote needs of its ballot and what never changes once it is open (there is no
    edit of an open ballot): kept per process, so the common vote reads no ballot row."""

    created_at: dt.datetime  # a reused id (a flushed database) has another
    method: str
    keys: tuple[str, ...]
    min_choices: int
    max_choices: int
    voter_unit: str
    secret: bool


_SHAPES: dict[int, Shape] = {}
_SHAPES_MAX = 4096


def remember(ballot: Ballot) -> None:
    known = _SHAPES.get(ballot.pk)
    if known is not None and known.created_at == ballot.created_at:
        return  # the shape of an open ballot never changes
    if len(_SHAPES) >= _SHAPES_MAX:
        _SHAPES.clear()
    _SHAPES[ballot.pk] = Shape(
        ballot.created_at,
        ballot.method,
        tuple(option_keys(ballot)),
        ballot.min_choices,
        ballot.max_choices,
        ballot.voter_unit,
        ballot.secret,
    )


def _learn(ballot_id: int) -> Shape | None:
    """The shape of an open ballot this process has not voted on yet, read and kept (the
    first vote of each process pays two small reads, then the one statement)."""
    ballot = Ballot.objects.filter(pk=ballot_id, status=Status.OPEN).first()
    if ballot is None:
        return None  # the full path finds the answer
    remember(ballot)
    return _SHAPES.get(ballot_id)


def _cast_in_one(user: User, ballot_id: int, choice: object) -> CastResult | None:
    """The common vote (one's own elector, first time, a valid choice, an open ballot) as
    one PostgreSQL statement, so one round trip (and its own transaction, unless called
    inside one): the ballot row
    locked for share (against the close, as lock_open does), the user's elector, and the
    participation insert feeding the vote's. None whenever it stored nothing, for whatever
    reason; ballot_cast's full path then finds the reason (or the change of vote) and
    gives the same answers it always does."""
    if connection.vendor != "postgresql":
        return None
    shape = _SHAPES.get(ballot_id) or _learn(ballot_id)
    if shape is None:
        return None
    try:
        picked = tally.check_choice(
            shape.method,  # type: ignore[arg-type]
            shape.keys,
            choice,
            min_choices=shape.min_choices,
            max_choices=shape.max_choices,
        )
    except tally.InvalidChoice:
        return None
    match = _elector_match(user, shape.voter_unit)
    if match is None:
        return None
    joins, where, match_params = match
    now = timezone.now()
    chosen = json.dumps(list(picked), ensure_ascii=False)
    receipt = new_receipt() if shape.secret else None
    sql = (
        f"WITH b AS (SELECT id FROM {Ballot._meta.db_table} "  # noqa: S608 (fixed names)
        "WHERE id = %s AND created_at = %s AND status = %s AND closes_at > %s FOR SHARE), "
        f"e AS (SELECT e.id, e.area, {_delegated_sql()} AS delegated "
        f"FROM {Elector._meta.db_table} e {joins} "
        f"WHERE e.ballot_id = (SELECT id FROM b) AND {where} ORDER BY e.id LIMIT 1), "
        f"p AS (INSERT INTO {Participation._meta.db_table} "
        "(ballot_id, elector_id, channel, cast_by_id, proxy_id, at) "
        "SELECT %s, e.id, %s, %s, NULL, %s FROM e WHERE NOT e.delegated "
        "ON CONFLICT (elector_id) DO NOTHING RETURNING elector_id), "
    )
    params: list[Any] = [ballot_id, shape.created_at, Status.OPEN.value, now]  # b
    params += [now, *match_params]  # e
    params += [ballot_id, Channel.ONLINE.value, user.pk, now]  # p
    if receipt is not None:
        sql += (
            f"s AS (INSERT INTO {SecretVote._meta.db_table} (id, ballot_id, choice, area, receipt) "
            "SELECT %s, %s, %s::jsonb, e.area, %s FROM p JOIN e ON e.id = p.elector_id) "
        )
        params += [uuid.uuid4(), ballot_id, chosen, receipt]
    else:
        sql += (
            f"v AS (INSERT INTO {Vote._meta.db_table} "
            "(ballot_id, elector_id, choice, area, updated_at) "
            "SELECT %s, e.id, %s::jsonb, e.area, %s FROM p JOIN e ON e.id = p.elector_id "
            "RETURNING id), "
            f"r AS (INSERT INTO {VoteRevision._meta.db_table} (vote_id, choice, cast_by_id, at) "
            "SELECT id, %s::jsonb, %s, %s FROM v) "
        )
        params += [ballot_id, chosen, now, chosen, user.pk, now]
    row = prepared_row(sql + "SELECT elector_id FROM p", params)
    if row is None:
        return None
    live.nudge_on_commit(ballot_id)  # at once, unless a caller's transaction holds it
    return CastResult(ballot_id, int(row[0]), receipt, changed=False)


def ballot_cast(
    *, user: User, ballot_id: int, choice: object, elector_id: object = None
) -> CastResult:
    """One statement on PostgreSQL for the common vote (_cast_in_one); else three: the
    ballot locked for share, the elector, and the participation with the vote (and its
    revision) in one."""
    if elector_id is None:
        fast = _cast_in_one(user, ballot_id, choice)
        if fast is not None:
            return fast
    with transaction.atomic():
        try:
            ballot = lock_open(ballot_id)
        except Ballot.DoesNotExist:
            raise NotFound(_("Not found.")) from None
        except Invalid:
            ballot = Ballot.objects.get(pk=ballot_id)
            if not (
                access.is_member(user, ballot.neighborhood_id) or slots.own_electors(user, ballot)
            ):
                raise NotFound(_("Not found.")) from None
            raise
        remember(ballot)
        picked = check_choice(ballot, choice)
        target = resolve(user, ballot, elector_id)
        now = timezone.now()
        receipt = new_receipt() if ballot.secret else None
        stored = (
            _store_in_one(ballot, target, user, picked, now, receipt)
            if connection.vendor == "postgresql"
            else _store(ballot, target, user, picked, now, receipt)
        )
        if not stored:
            return _again(ballot, target, user, picked)
        live.nudge_on_commit(ballot.pk)
    return CastResult(ballot.pk, target.elector_id, receipt, changed=False)


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
