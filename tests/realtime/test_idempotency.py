"""Idempotency keys (issue 15, "should fix"): a creating write retried with the same key,
its first answer lost, gets that answer again and writes nothing more; over REST
(`Idempotency-Key`) and over the socket (`do` with `key`), also when the retries run at
the same time (PostgreSQL), and without ever storing a secret vote's receipt readable."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections, transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.views import APIView
from websockets.sync.client import connect

from accounts.models import VerificationAttempt
from core.errors import Invalid
from forum.models import Post, Topic
from realtime import frames
from realtime.idempotency import claimed
from realtime.models import Event, IdempotentRequest, StreamHead
from tests import factories
from tests.conftest import World
from tests.voting.scene import neighbors_enough_for_secret
from tests.voting.test_api import make_ballot
from voting.models import Participation, SecretVote, VoteRevision

pytestmark = pytest.mark.django_db(transaction=True)


def key() -> str:
    return str(uuid.uuid4())


def token_client(user: Any) -> APIClient:
    token, _ = Token.objects.get_or_create(user=user)
    return APIClient(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")


def session_client(user: Any) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def post_topic(client: APIClient, world: World, body: str, idempotency_key: str | None) -> Any:
    headers = {} if idempotency_key is None else {"Idempotency-Key": idempotency_key}
    return client.post(
        f"/api/v1/boards/{world.board.pk}/topics/", {"body": body}, format="json", headers=headers
    )


def cast(client: APIClient, ballot: Any, choice: str, idempotency_key: str | None) -> Any:
    headers = {} if idempotency_key is None else {"Idempotency-Key": idempotency_key}
    return client.post(
        f"/api/v1/ballots/{ballot.pk}/votes/", {"choice": [choice]}, format="json", headers=headers
    )


# -- REST ----------------------------------------------------------------------------------


def test_a_retried_topic_with_the_same_key_is_created_once_and_answered_the_same(
    world: World,
) -> None:
    client, same = token_client(world.alice), key()
    first = post_topic(client, world, "楼道灯坏了", same)
    again = post_topic(client, world, "楼道灯坏了", same)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Topic.objects.count() == 1 and Post.objects.count() == 1
    assert Event.objects.filter(stream=world.board.stream).count() == 1  # published once


def test_without_a_key_a_retry_writes_again(world: World) -> None:
    client = token_client(world.alice)
    post_topic(client, world, "楼道灯坏了", None)
    post_topic(client, world, "楼道灯坏了", None)
    assert Topic.objects.count() == 2


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(world: World) -> None:
    client, same = token_client(world.alice), key()
    post_topic(client, world, "楼道灯坏了", same)
    other = post_topic(client, world, "谁家的狗丢了", same)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert other.json()["message"]
    assert Topic.objects.count() == 1


def test_the_same_key_on_another_endpoint_is_refused(world: World) -> None:
    client, same = token_client(world.alice), key()
    post_topic(client, world, "楼道灯坏了", same)
    ballot = make_ballot(factories.staff(world.place), world.place)
    refused = cast(client, ballot, "yes", same)
    assert refused.status_code == 422 and refused.json()["code"] == "idempotency_key_reused"
    assert Participation.objects.count() == 0


def test_keys_are_per_user(world: World) -> None:
    same = key()
    mine = post_topic(token_client(world.alice), world, "楼道灯坏了", same)
    theirs = post_topic(token_client(world.bob), world, "楼道灯坏了", same)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"] and Topic.objects.count() == 2


@pytest.mark.parametrize("bad", ["", "short", "x" * 65, "键" * 20, "with spaces in it ok?"])
def test_a_malformed_key_is_refused_before_anything_is_written(world: World, bad: str) -> None:
    response = post_topic(token_client(world.alice), world, "楼道灯坏了", bad)
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_invalid"
    assert Topic.objects.count() == 0


def test_a_quoted_key_as_the_ietf_draft_writes_it_is_the_same_key(world: World) -> None:
    client, same = token_client(world.alice), key()
    first = post_topic(client, world, "楼道灯坏了", f'"{same}"')
    again = post_topic(client, world, "楼道灯坏了", same)
    assert again.json() == first.json() and Topic.objects.count() == 1


def test_a_failed_request_keeps_no_answer_so_its_retry_runs(world: World) -> None:
    client, same = token_client(world.alice), key()
    failed = post_topic(client, world, "   ", same)
    assert failed.status_code == 400 and failed.json()["code"] == "invalid"
    assert IdempotentRequest.objects.count() == 0
    created = post_topic(client, world, "楼道灯坏了", same)
    assert created.status_code == 201 and Topic.objects.count() == 1


def test_a_key_is_kept_a_day_then_the_request_runs_again(world: World) -> None:
    client, same = token_client(world.alice), key()
    post_topic(client, world, "楼道灯坏了", same)
    (row,) = IdempotentRequest.objects.all()
    assert timedelta(hours=23) < row.expires_at - row.created_at <= timedelta(hours=24)
    IdempotentRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    again = post_topic(client, world, "楼道灯坏了", same)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Topic.objects.count() == 2 and IdempotentRequest.objects.count() == 1


def test_a_refused_attempt_stays_logged_so_a_key_does_not_dodge_the_attempt_limit() -> None:
    """Verification logs every wrong code, then refuses: that log must survive the key's
    transaction, or fresh keys would be unlimited guesses."""
    client = token_client(factories.user())
    for _ in range(5):
        wrong = client.post(
            "/api/v1/verification/code/",
            {"code": "ZZZZZ-ZZZZZ", "real_name": "张伟"},
            format="json",
            headers={"Idempotency-Key": key()},
        )
        assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_code"
    assert VerificationAttempt.objects.count() == 5
    locked = client.post(
        "/api/v1/verification/code/",
        {"code": "ZZZZZ-ZZZZZ", "real_name": "张伟"},
        format="json",
        headers={"Idempotency-Key": key()},
    )
    assert locked.status_code == 429 and locked.json()["code"] == "too_many_attempts"


def test_what_a_failing_request_committed_stays_and_only_the_claim_goes(world: World) -> None:
    same = key()
    with (  # noqa: PT012 - the write and then the failure are the request
        pytest.raises(Invalid),
        claimed(user_id=world.alice.pk, key=same, credential="t", request="r", payload={}) as slot,
    ):
        assert slot.replay is None
        with transaction.atomic():
            StreamHead.objects.create(stream="board.999", seq=1)
        raise Invalid("refused after logging")
    assert StreamHead.objects.filter(stream="board.999").exists()
    assert not IdempotentRequest.objects.exists()


# -- votes ---------------------------------------------------------------------------------


def test_an_open_vote_retried_returns_the_first_answer_and_changes_nothing(world: World) -> None:
    ballot = make_ballot(factories.staff(world.place), world.place)
    client, same = token_client(world.alice), key()
    first = cast(client, ballot, "yes", same)
    again = cast(client, ballot, "yes", same)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and first.json()["changed"] is False
    assert VoteRevision.objects.count() == 1  # without the key the retry is a change of vote


def test_a_secret_vote_retried_shows_its_receipt_again_to_the_session_that_cast_it(
    world: World,
) -> None:
    neighbors_enough_for_secret(world.place)
    ballot = make_ballot(factories.staff(world.place), world.place, secret=True)
    client, same = token_client(world.alice), key()
    first = cast(client, ballot, "yes", same)
    receipt = first.json()["receipt"]
    assert first.status_code == 200 and isinstance(receipt, str)
    again = cast(client, ballot, "yes", same)
    assert again.status_code == 200 and again.json()["receipt"] == receipt
    assert again["Cache-Control"] == "no-store"
    assert SecretVote.objects.count() == 1
    # Without the key, or from another session of the same user, the receipt is not shown.
    assert cast(client, ballot, "yes", None).json()["code"] == "already_voted"
    elsewhere = cast(session_client(world.alice), ballot, "yes", same)
    assert elsewhere.status_code == 422 and elsewhere.json()["code"] == "idempotency_key_reused"
    # Nothing stored reads without the client's key: not the key, the choice or the receipt.
    (row,) = IdempotentRequest.objects.values()
    stored = json.dumps(row, default=str)
    for secret in (same, receipt, receipt.replace("-", ""), '"yes"'):
        assert secret not in stored


# -- at the same time (PostgreSQL) ---------------------------------------------------------


def at_once(count: int, request: Any) -> list[Any]:
    """`request()` from `count` threads released together; their answers."""
    start = threading.Barrier(count)
    answers: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            start.wait()
            answers[index] = request()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_concurrent_retries_of_a_topic_write_once(postgres: None, world: World) -> None:
    token_client(world.alice)  # the token exists before the threads ask for it
    same = key()
    answers = at_once(4, lambda: post_topic(token_client(world.alice), world, "停电了", same))
    assert {a.status_code for a in answers} == {201}
    assert len({json.dumps(a.json(), sort_keys=True) for a in answers}) == 1
    assert Topic.objects.count() == 1
    assert sum(1 for a in answers if "Idempotent-Replayed" in a) == 3


def test_concurrent_retries_of_a_secret_vote_cast_once_with_one_receipt(
    postgres: None, world: World
) -> None:
    neighbors_enough_for_secret(world.place)
    ballot = make_ballot(factories.staff(world.place), world.place, secret=True)
    token_client(world.alice)
    same = key()
    answers = at_once(4, lambda: cast(token_client(world.alice), ballot, "no", same))
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["receipt"] for a in answers}) == 1
    assert SecretVote.objects.count() == 1 and Participation.objects.count() == 1


# -- every creating POST of the API takes a key ----------------------------------------------

# POSTs that change the state of something that exists (a retry is refused or harmless),
# or that create nothing: they need no key.
NOT_CREATING = {
    "RoomReactApi",  # ephemeral
    "RoomCloseApi",
    "RequestApproveApi",
    "RequestRejectApi",
    "CodeRevokeApi",
    "ResidencyEndApi",
    "RepresentativeApi",
    "ConflictResolveApi",
    "NotificationAckApi",
    "NotificationReadApi",
    "ResidentRevealApi",  # a logged read
    "DoorVisitRevealApi",  # a logged read too (the visit list's phones)
    "DoorVisitAssignApi",  # sets who visits which households: sending it twice sets the same
    "LedgerImportApi",  # all or nothing, and a re-run reports what exists (left for later)
    "BallotOpenApi",
    "BallotCloseApi",
    "PaperConfirmApi",
    "PaperRejectApi",
    "ObjectionAnswerApi",
}


def api_views() -> Iterator[type[APIView]]:
    def walk(patterns: list[Any]) -> Iterator[Any]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns)
            elif isinstance(entry, URLPattern):
                yield entry.callback

    for callback in walk(get_resolver().url_patterns):
        view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        if isinstance(view, type) and issubclass(view, APIView):
            yield view


def test_every_creating_post_of_the_api_honours_an_idempotency_key() -> None:
    posts = {view.__name__: view for view in api_views() if hasattr(view, "post")}
    assert "TopicCreateApi" in posts and "CastApi" in posts
    missing = sorted(
        name
        for name, view in posts.items()
        if name not in NOT_CREATING and not getattr(view.post, "idempotent", False)
    )
    assert missing == []


def test_the_schema_documents_the_header() -> None:
    schema = APIClient().get("/api/schema/?format=json").json()
    parameters = schema["paths"]["/api/v1/boards/{board_id}/topics/"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in parameters)


# -- the socket (a real daphne) ------------------------------------------------------------


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


def do(ws: Any, stream: str, action: str, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    ref = key()
    ws.send(
        json.dumps(
            {"op": "do", "stream": stream, "action": action, "data": data, "ref": ref, **extra}
        )
    )
    while True:
        frame = json.loads(ws.recv(timeout=10))
        if frame.get("ref") == ref and frame["op"] in ("ok", "err"):
            return frame


def test_a_retried_post_over_the_socket_is_created_once(daphne_url: str, world: World) -> None:
    topic = Topic.objects.get(
        pk=post_topic(token_client(world.alice), world, "停水", None).json()["id"]
    )
    same = key()
    with socket(daphne_url, world.bob) as ws:
        first = do(ws, topic.stream, "post.create", {"body": "我家也停了"}, key=same)
        again = do(ws, topic.stream, "post.create", {"body": "我家也停了"}, key=same)
        other = do(ws, topic.stream, "post.create", {"body": "另一句"}, key=same)
        plain = do(ws, topic.stream, "post.create", {"body": "我家也停了"})
    assert first["op"] == again["op"] == "ok" and again["data"] == first["data"]
    assert other["op"] == "err" and other["code"] == "idempotency_key_reused"
    assert plain["op"] == "ok" and plain["data"] != first["data"]
    assert Post.objects.filter(topic=topic).count() == 3  # the first post, one reply, one more


def test_a_socket_key_is_checked_at_the_edge(daphne_url: str, world: World) -> None:
    with socket(daphne_url, world.alice) as ws:
        refused = do(ws, world.board.stream, "topic.create", {"body": "x"}, key="short")
    assert refused["op"] == "err" and refused["code"] == "invalid"
    assert Topic.objects.count() == 0


def test_a_secret_vote_retried_over_the_socket_shows_its_receipt_again(
    daphne_url: str, world: World
) -> None:
    neighbors_enough_for_secret(world.place)
    ballot = make_ballot(factories.staff(world.place), world.place, secret=True)
    same = key()
    with socket(daphne_url, world.alice) as ws:
        first = do(ws, ballot.stream, "ballot.cast", {"choice": ["yes"]}, key=same)
    with socket(daphne_url, world.alice) as ws:  # the answer was lost with the connection
        again = do(ws, ballot.stream, "ballot.cast", {"choice": ["yes"]}, key=same)
    assert first["op"] == again["op"] == "ok"
    assert again["data"]["receipt"] == first["data"]["receipt"] is not None
    assert SecretVote.objects.count() == 1


# -- the frame ---------------------------------------------------------------------------


def test_the_do_frame_carries_an_optional_key() -> None:
    text = '{"op":"do","stream":"topic.1","action":"post.create","key":"%s"}'
    same = key()
    assert frames.parse(text % same) == frames.Do("topic.1", "post.create", {}, None, same)
    with pytest.raises(frames.FrameError, match="key must be"):
        frames.parse(text % "short")
    with pytest.raises(frames.FrameError, match="key must be"):
        frames.parse('{"op":"do","stream":"topic.1","action":"a","key":5}')
