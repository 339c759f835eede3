"""Where a vote is written and a live tally claimed: the SQL of the vote path, in one place.

Two implementations of one VoteStore, chosen once per process by the database it runs on
(`vote_store()`), so no service asks `connection.vendor` again:

- `PostgresVoteStore`: the hot path of `make bench-voting`. A voter's own first vote is one
  prepared statement (`cast_own`), any other vote stores its rows in one statement
  (`store`), the open ballot is locked for share in one (`lock_open_row`), and the live
  tally locks, claims and counts in one round trip (`claim_tally`).
  Pinned by: tests/voting/test_casting_fast.py, tests/voting/test_store.py,
  tests/voting/test_concurrency.py, tests/voting/test_concurrency_ws.py,
  tests/voting/test_live.py (all on PostgreSQL, as CI runs them).
- `VoteStore` (portable, any database Django supports; SQLite serialises writers anyway):
  the same steps, one ORM statement each, and no one-statement vote (`cast_own` is None,
  so every vote takes the full path).
  Pinned by: tests/voting/test_store.py, which runs it on PostgreSQL too, beside the
  other, and compares what each stores and answers; and every voting test on SQLite.

Both give the same answers and store the same rows: the choice of one is speed only.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from accounts.models import Owner, Residency, User
from core.cache import BoundedCache
from core.db import prepared_row
from voting import tally
from voting.models import (
    Ballot,
    Channel,
    Elector,
    Participation,
    Proxy,
    SecretVote,
    Status,
    TallyGate,
    Vote,
    VoteRevision,
    VoterUnit,
)
from voting.selectors import counted_tally, option_keys, tally_of


@dataclass(frozen=True)
class Target:
    """The elector a vote is for, as the store needs it."""

    elector_id: int
    area: Decimal
    proxy: Proxy | None


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

    def check(self, choice: object) -> tuple[str, ...] | None:
        """The choice as the ballot takes it, or None if it does not (the full path then
        answers why)."""
        try:
            return tally.check_choice(
                self.method,  # type: ignore[arg-type]
                self.keys,
                choice,
                min_choices=self.min_choices,
                max_choices=self.max_choices,
            )
        except tally.InvalidChoice:
            return None


# Ballot id -> shape, for the ballots this process votes on: the least recently voted on
# leaves first once there are more.
SHAPES: BoundedCache[int, Shape] = BoundedCache(4096)

# (ballot id, gate's time, counted tally or None if the gate was not free) of a claim.
Claimed = tuple[Ballot, dt.datetime | None, tally.Tally | None]


def elector_match(user: User, voter_unit: str) -> tuple[str, str, list[Any]] | None:
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


def delegated_sql() -> str:
    """Whether elector `e` has a live proxy (one parameter: now)."""
    proxy = Proxy._meta.db_table
    return (
        f"EXISTS (SELECT 1 FROM {proxy} p WHERE p.elector_id = e.id "  # noqa: S608 (fixed names)
        "AND p.revoked_at IS NULL AND (p.expires_at IS NULL OR p.expires_at > %s))"
    )


def own_elector(
    user: User, ballot: Ballot, elector_id: int | None
) -> tuple[int, Decimal, bool] | None:
    """(elector id, area, delegated) of the user's own elector, in one statement (plain
    SQL that every database runs)."""
    match = elector_match(user, ballot.voter_unit)
    if match is None:
        return None
    joins, where, match_params = match
    params: list[Any] = [timezone.now(), ballot.pk, *match_params]
    if elector_id is not None:
        where += " AND e.id = %s"
        params.append(elector_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.id, e.area, {delegated_sql()} FROM {Elector._meta.db_table} e "  # noqa: S608
            f"{joins} WHERE e.ballot_id = %s AND {where} ORDER BY e.id LIMIT 1",
            params,
        )
        row = cursor.fetchone()
    return None if row is None else (int(row[0]), Decimal(row[1]), bool(row[2]))


class VoteStore:
    """The portable store: one ORM statement per step."""

    def lock_open_row(self, ballot_id: int) -> Ballot:
        """The ballot row, held against the close until commit where the database can
        (SQLite serialises writers anyway); Ballot.DoesNotExist if there is none."""
        return Ballot.objects.get(pk=ballot_id)

    def remember(self, ballot: Ballot) -> None:
        """An open ballot seen by a vote (nothing to keep: there is no one-statement vote)."""

    def shape(self, ballot_id: int) -> Shape | None:
        """What the one-statement vote needs of the ballot; None: no such vote here."""
        return None

    def cast_own(
        self,
        user: User,
        ballot_id: int,
        shape: Shape,
        picked: tuple[str, ...],
        now: dt.datetime,
        receipt: str | None,
    ) -> int | None:
        """The user's own first vote resolved and stored at once: the elector's id, or None
        whenever nothing was stored (the full path then finds why)."""
        return None

    def store(
        self,
        ballot: Ballot,
        target: Target,
        user: User,
        picked: tuple[str, ...],
        now: dt.datetime,
        receipt: str | None,
    ) -> bool:
        """Participation, then the vote (and its revision, or the secret vote); False if the
        elector had voted already (the database refuses the second participation)."""
        if not self._participate(ballot, target, user, now):
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

    def _participate(self, ballot: Ballot, target: Target, user: User, now: dt.datetime) -> bool:
        """Insert the elector's participation; False if they have one already (no savepoint:
        the database answers the conflict in the same statement)."""
        table = Participation._meta.db_table
        proxy_id = target.proxy.pk if target.proxy is not None else None
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} "  # noqa: S608 (a fixed table name)
                "(ballot_id, elector_id, channel, cast_by_id, proxy_id, at) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (elector_id) DO NOTHING RETURNING id",
                [ballot.pk, target.elector_id, Channel.ONLINE, user.pk, proxy_id, now],
            )
            return cursor.fetchone() is not None

    def claim_tally(
        self, ballot_id: int, now: dt.datetime, interval: dt.timedelta
    ) -> Claimed | None:
        """Inside the caller's transaction: the open ballot, its gate claimed if its last
        tally is `interval` old or more, and then the count. None: no open ballot."""
        ballot = Ballot.objects.filter(pk=ballot_id).first()
        if ballot is None or ballot.status != Status.OPEN:
            return None
        claimed = TallyGate.objects.filter(ballot_id=ballot_id, sent_at__lte=now - interval).update(
            sent_at=now
        )
        if not claimed:
            gate_at = (
                TallyGate.objects.filter(ballot_id=ballot_id)
                .values_list("sent_at", flat=True)
                .first()
            )
            return ballot, gate_at, None
        return ballot, now, counted_tally(ballot)


class PostgresVoteStore(VoteStore):
    """PostgreSQL: each step one round trip, the common vote one prepared statement."""

    def lock_open_row(self, ballot_id: int) -> Ballot:
        # One statement: the row, locked (a vote's first of four or five).
        found = list(
            Ballot.objects.raw("SELECT * FROM voting_ballot WHERE id = %s FOR SHARE", [ballot_id])
        )
        if not found:
            raise Ballot.DoesNotExist
        return found[0]

    def remember(self, ballot: Ballot) -> None:
        known = SHAPES.get(ballot.pk)
        if known is not None and known.created_at == ballot.created_at:
            return  # the shape of an open ballot never changes
        SHAPES.put(
            ballot.pk,
            Shape(
                ballot.created_at,
                ballot.method,
                tuple(option_keys(ballot)),
                ballot.min_choices,
                ballot.max_choices,
                ballot.voter_unit,
                ballot.secret,
            ),
        )

    def shape(self, ballot_id: int) -> Shape | None:
        """Kept, or learnt from the open ballot on this process's first vote on it (two
        small reads, no lock: the statement checks the ballot again)."""
        known = SHAPES.get(ballot_id)
        if known is not None:
            return known
        ballot = Ballot.objects.filter(pk=ballot_id, status=Status.OPEN).first()
        if ballot is None:
            return None  # the full path finds the answer
        self.remember(ballot)
        return SHAPES.get(ballot_id)

    def cast_own(
        self,
        user: User,
        ballot_id: int,
        shape: Shape,
        picked: tuple[str, ...],
        now: dt.datetime,
        receipt: str | None,
    ) -> int | None:
        """One statement, so one round trip (and its own transaction, unless called inside
        one): the ballot row locked for share (against the close, as lock_open_row does),
        the user's elector, and the participation insert feeding the vote's."""
        match = elector_match(user, shape.voter_unit)
        if match is None:
            return None
        joins, where, match_params = match
        chosen = json.dumps(list(picked), ensure_ascii=False)
        sql = (
            f"WITH b AS (SELECT id FROM {Ballot._meta.db_table} "  # noqa: S608 (fixed names)
            "WHERE id = %s AND created_at = %s AND status = %s AND closes_at > %s FOR SHARE), "
            f"e AS (SELECT e.id, e.area, {delegated_sql()} AS delegated "
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
                f"s AS (INSERT INTO {SecretVote._meta.db_table} "
                "(id, ballot_id, choice, area, receipt) "
                "SELECT %s, %s, %s::jsonb, e.area, %s FROM p JOIN e ON e.id = p.elector_id) "
            )
            params += [uuid.uuid4(), ballot_id, chosen, receipt]
        else:
            sql += (
                f"v AS (INSERT INTO {Vote._meta.db_table} "
                "(ballot_id, elector_id, choice, area, updated_at) "
                "SELECT %s, e.id, %s::jsonb, e.area, %s FROM p JOIN e ON e.id = p.elector_id "
                "RETURNING id), "
                f"r AS (INSERT INTO {VoteRevision._meta.db_table} "
                "(vote_id, choice, cast_by_id, at) SELECT id, %s::jsonb, %s, %s FROM v) "
            )
            params += [ballot_id, chosen, now, chosen, user.pk, now]
        row = prepared_row(sql + "SELECT elector_id FROM p", params)
        return None if row is None else int(row[0])

    def store(
        self,
        ballot: Ballot,
        target: Target,
        user: User,
        picked: tuple[str, ...],
        now: dt.datetime,
        receipt: str | None,
    ) -> bool:
        """As one statement: the participation insert feeds the vote's (and the
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

    def claim_tally(
        self, ballot_id: int, now: dt.datetime, interval: dt.timedelta
    ) -> Claimed | None:
        """Lock, claim and count in one round trip (the ORM's three took ~10 ms of CPU on
        the server's core, five times a second, while votes were queueing for it)."""
        rows = list(Ballot.objects.raw(_claim_sql(), [ballot_id, now, Status.OPEN, now - interval]))
        if not rows or rows[0].status != Status.OPEN:
            return None
        ballot = rows[0]
        gate_at: dt.datetime | None = _column(ballot, "gate_at")
        if not _column(ballot, "claimed"):
            return ballot, gate_at, None
        names = ("counted_choice", "counted_heads", "counted_total")
        casts = [tuple(_column(row, name) for name in names) for row in rows]
        casts = [cast for cast in casts if cast[0] is not None]  # no vote yet: no group
        return ballot, gate_at, tally_of(ballot, casts)


# What the tally needs of the ballot, read with the lock.
_TALLY_FIELDS = (
    "id, status, visibility, rule, method, secret, created_at, electorate_heads, electorate_area"
)


@functools.cache  # fixed table names: built once per process, not five times a second
def _claim_sql() -> str:
    """One statement: the ballot row for share (as votes take it, so the close, for update,
    and a tally queue on that row in one order and never deadlock on the stream's head
    further on), the gate claimed if the ballot is open and its interval is over, the gate's
    time before the claim, and the stored votes grouped by choice, counted only if claimed.
    All of it reads one snapshot, so the counts are exactly the votes committed before."""
    ballot, gate = Ballot._meta.db_table, TallyGate._meta.db_table
    counts = " UNION ALL ".join(
        f"SELECT choice, count(*) AS heads, sum(area) AS total FROM {model._meta.db_table} "  # noqa: S608
        f"WHERE ballot_id = (SELECT ballot_id FROM g) AND {'' if secret else 'NOT '}"
        "(SELECT secret FROM b) GROUP BY choice"
        for model, secret in ((Vote, False), (SecretVote, True))
    )
    return (
        f"WITH b AS (SELECT {_TALLY_FIELDS} FROM {ballot} WHERE id = %s FOR SHARE), "  # noqa: S608
        f"g AS (UPDATE {gate} SET sent_at = %s WHERE ballot_id = "
        "(SELECT id FROM b WHERE status = %s) AND sent_at <= %s RETURNING ballot_id), "
        f"c AS ({counts}) "
        f"SELECT b.*, (SELECT sent_at FROM {gate} WHERE ballot_id = b.id) AS gate_at, "
        "EXISTS (SELECT 1 FROM g) AS claimed, c.choice AS counted_choice, "
        "c.heads AS counted_heads, c.total AS counted_total FROM b LEFT JOIN c ON true"
    )


def _column(row: Ballot, name: str) -> Any:
    """A column of the claim's raw query that is no field of Ballot (raw() sets it)."""
    return getattr(row, name)


_chosen: VoteStore | None = None


def vote_store() -> VoteStore:
    """The store of this process, chosen on first use by the database it runs on (one
    database per process: settings.DATABASES has only "default")."""
    global _chosen
    if _chosen is None:
        _chosen = PostgresVoteStore() if connection.vendor == "postgresql" else VoteStore()
    return _chosen
