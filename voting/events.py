"""The events of stream ballot.<id> and their payloads (see docs/realtime.md)."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

OPENED = "ballot.opened"
TALLY = "ballot.tally"
CLOSED = "ballot.closed"
OBJECTION = "ballot.objection"


class Electorate(TypedDict):
    heads: int
    area: str


class OpenedPayload(TypedDict):
    id: int
    status: str
    electorate: Electorate


class Turnout(TypedDict):
    heads: int
    area: NotRequired[str]  # not while a secret ballot is open (voting/secrecy.py)


class TallyPayload(TypedDict, total=False):
    participation: Turnout
    progress: dict[str, Any]
    # Only when the ballot's results are shown live, never a secret ballot's; otherwise
    # clients that may see them (voters after voting) fetch the tally over HTTP when this
    # event arrives.
    tally: dict[str, Any]


class ClosedPayload(TypedDict):
    id: int
    status: str
    result: dict[str, Any]
    notice_until: str


class ObjectionPayload(TypedDict):
    id: int
    count: int
    answered: int
