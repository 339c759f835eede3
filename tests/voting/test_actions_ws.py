"""`do ballot.cast` on stream ballot.<id>, through a real daphne: the same service as the
REST API, answered `ok` with the elector and receipt or `err` with a stable code, and the
live tally reaching every watcher of the stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.authtoken.models import Token
from websockets.sync.client import connect

from core.errors import NotFound
from tests import factories
from tests.voting.scene import neighbors_enough_for_secret
from tests.voting.test_api import make_ballot
from voting import actions, services
from voting.models import Ballot, Elector, Participation, SecretVote, Vote

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Scene:
    place: Any
    staff: Any
    alice: Any
    bob: Any


@pytest.fixture
def scene(transactional_db: None) -> Scene:
    place = factories.neighborhood("昌里第五")
    return Scene(
        place=place,
        staff=factories.staff(place, "staff"),
        alice=factories.resident(place, "alice", name="王小明"),
        bob=factories.resident(place, "bob", name="李阿姨"),
    )


@contextmanager
def socket(daphne_url: str, user: Any) -> Iterator[Any]:
    token, _ = Token.objects.get_or_create(user=user)
    with connect(
        f"ws://{daphne_url}/ws/",
        subprotocols=["linli.v1", f"token.{token.key}"],  # type: ignore[list-item]
        additional_headers={"Accept-Language": "en"},
        open_timeout=10,
        compression=None,
    ) as ws:
        yield ws


def receive(ws: Any) -> dict[str, Any]:
    return json.loads(ws.recv(timeout=10))


def subscribe(ws: Any, stream: str) -> dict[str, Any]:
    ws.send(json.dumps({"op": "sub", "stream": stream, "ref": "s"}))
    while True:
        frame = receive(ws)
        if frame["op"] in ("subbed", "err"):
            return frame


def do_cast(ws: Any, ballot: Ballot, data: dict[str, Any], ref: str) -> None:
    ws.send(
        json.dumps(
            {"op": "do", "stream": ballot.stream, "action": "ballot.cast", "data": data, "ref": ref}
        )
    )


def answer_to(ws: Any, ref: str, seen: list[dict[str, Any]]) -> dict[str, Any]:
    """The ok/err answering `ref`; events that arrive meanwhile are kept in `seen`."""
    while True:
        frame = receive(ws)
        if frame.get("ref") == ref and frame["op"] in ("ok", "err"):
            return frame
        seen.append(frame)


def tally_event(ws: Any, seen: list[dict[str, Any]], heads: int) -> dict[str, Any]:
    """The first ballot.tally (already received or still to come) that counts `heads`."""
    while True:
        for frame in seen:
            tally = frame.get("type") == "ballot.tally" and frame["data"]["participation"]
            if tally and tally["heads"] == heads:
                return frame
        seen.clear()
        seen.append(receive(ws))


def test_a_secret_vote_over_the_socket_gets_a_receipt_once_and_the_turnout_goes_live(
    scene: Scene, daphne_url: str
) -> None:
    # Given a secret ballot of twelve (alice, bob and ten neighbors), alice voting and bob
    # watching
    neighbors_enough_for_secret(scene.place)
    ballot = make_ballot(scene.staff, scene.place, secret=True)
    alices = Elector.objects.get(ballot=ballot, user=scene.alice)
    with socket(daphne_url, scene.alice) as alice, socket(daphne_url, scene.bob) as bob:
        assert subscribe(alice, ballot.stream) == {
            "op": "subbed",
            "stream": ballot.stream,
            "seq": 1,  # ballot.opened
            "ref": "s",
        }
        assert subscribe(bob, ballot.stream)["op"] == "subbed"
        # When alice casts her vote
        do_cast(alice, ballot, {"choice": ["yes"]}, "c1")
        seen: list[dict[str, Any]] = []
        ok = answer_to(alice, "c1", seen)
        # Then she gets her receipt, once
        assert ok["op"] == "ok", ok
        receipt = ok["data"]["receipt"]
        assert ok["data"] == {"elector": alices.pk, "receipt": receipt, "changed": False}
        assert SecretVote.objects.get().receipt == receipt
        # And both watchers receive the live turnout that counts it, in heads only
        for ws, frames in ((alice, seen), (bob, [])):
            event = tally_event(ws, frames, heads=1)
            assert event["stream"] == ballot.stream and event["seq"] >= 2
            assert event["data"] == {
                "participation": {"heads": 1},
                "progress": {"heads": 0.0833, "needed": None, "inclusive": None, "met": True},
            }
        # A second cast is refused: a secret vote cannot be changed
        do_cast(alice, ballot, {"choice": ["no"]}, "c2")
        refused = answer_to(alice, "c2", [])
        assert refused["op"] == "err" and refused["code"] == "already_voted"
        assert refused["message"] == "This vote has been cast already."
        assert SecretVote.objects.get().choice == ["yes"]
        assert Participation.objects.count() == 1


def test_an_open_vote_over_the_socket_may_be_changed(scene: Scene, daphne_url: str) -> None:
    ballot = make_ballot(scene.staff, scene.place, secret=False)
    with socket(daphne_url, scene.bob) as bob:
        subscribe(bob, ballot.stream)
        do_cast(bob, ballot, {"choice": ["no"]}, "c1")
        first = answer_to(bob, "c1", [])
        assert first["op"] == "ok" and first["data"]["receipt"] is None
        assert first["data"]["changed"] is False
        do_cast(bob, ballot, {"choice": ["yes"], "elector": str(first["data"]["elector"])}, "c2")
        seen: list[dict[str, Any]] = []
        second = answer_to(bob, "c2", seen)
        assert second["op"] == "ok" and second["data"]["changed"] is True
        # The tallies coalesce, but the last one counts the change
        while True:
            event = tally_event(bob, seen, heads=1)
            if event["data"]["tally"]["options"]["yes"]["heads"] == 1:
                break
            seen.clear()
        assert event["data"]["tally"]["options"]["no"]["heads"] == 0
        assert Vote.objects.get().choice == ["yes"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({}, "invalid_choice"),
        ({"choice": "yes"}, "invalid_choice"),
        ({"choice": [1]}, "invalid_choice"),
        ({"choice": ["maybe"]}, "invalid_choice"),
        ({"choice": ["yes", "no"]}, "invalid_choice"),
        ({"choice": ["yes"], "elector": "abc"}, "invalid_elector"),
        ({"choice": ["yes"], "elector": True}, "invalid_elector"),
        ({"choice": ["yes"], "elector": 10**30}, "invalid_elector"),
        ({"choice": ["yes"], "elector": 999999}, "not_eligible"),
    ],
)
def test_bad_casts_over_the_socket_get_stable_codes(
    scene: Scene, daphne_url: str, data: dict[str, Any], code: str
) -> None:
    ballot = make_ballot(scene.staff, scene.place)
    with socket(daphne_url, scene.alice) as alice:
        do_cast(alice, ballot, data, "x")
        answer = answer_to(alice, "x", [])
        assert answer["op"] == "err" and answer["code"] == code, answer
        assert answer["message"]
    assert not Participation.objects.exists()


def test_who_may_not_cast_over_the_socket(scene: Scene, daphne_url: str) -> None:
    ballot = make_ballot(scene.staff, scene.place)
    outsider = factories.resident(factories.neighborhood("云台第一"), "outsider")
    closed = make_ballot(scene.staff, scene.place)
    services.ballot_close(actor=scene.staff, ballot_id=closed.pk, reason="test")
    for user, target, code in (
        (scene.staff, ballot, "not_eligible"),  # a member, not an elector
        (outsider, ballot, "not_found"),  # the ballot does not exist for them
        (scene.alice, closed, "ballot_closed"),
    ):
        with socket(daphne_url, user) as ws:
            do_cast(ws, target, {"choice": ["yes"]}, "x")
            answer = answer_to(ws, "x", [])
            assert answer["op"] == "err" and answer["code"] == code, (user, answer)
    with socket(daphne_url, scene.alice) as ws:
        ws.send(
            json.dumps(
                {
                    "op": "do",
                    "stream": "ballot.999999",
                    "action": "ballot.cast",
                    "data": {"choice": ["yes"]},
                }
            )
        )
        assert receive(ws)["code"] == "not_found"
    assert not Participation.objects.exists()


def test_an_anonymous_caller_has_no_ballot() -> None:
    with pytest.raises(NotFound):
        actions.cast(AnonymousUser(), 1, {"choice": ["yes"]})
