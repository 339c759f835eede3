"""A frozen Redis must not hold writers (issue 15, item 10).

The channel layer is only the fast path: every event is stored, so a publish that cannot
reach Redis in time is given up and left to the hubs' gap fill and reconcile. These tests
run a private redis-server and freeze it with SIGSTOP; the shared Redis is never touched.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from rest_framework.authtoken.models import Token
from websockets.sync.client import connect

from tests.conftest import World, database_env, free_port, need, start_daphne, stop

pytestmark = pytest.mark.django_db(transaction=True)

PUBLISH_WARNING = "publishing to the channel layer failed"


@pytest.fixture
def private_redis() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    binary = shutil.which("redis-server")
    need(binary is not None, "needs redis-server (apt-get install redis-server)")
    assert binary is not None
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    try:
        yield process, f"redis://127.0.0.1:{port}/0"
    finally:
        process.send_signal(signal.SIGCONT)
        process.kill()
        process.wait()


def open_socket(port: int, token: Token):
    return connect(
        f"ws://127.0.0.1:{port}/ws/",
        subprotocols=["linli.v1", f"token.{token.key}"],
        compression=None,
        open_timeout=10,
    )


def post(ws, stream: str, body: str, ref: str) -> float:
    """Create a topic over the socket; how long the acknowledgement took."""
    began = time.monotonic()
    frame = {"op": "do", "stream": stream, "action": "topic.create", "data": {"body": body}}
    ws.send(json.dumps({**frame, "ref": ref}))
    while True:
        answer = json.loads(ws.recv(timeout=5))
        if answer.get("ref") == ref:
            assert answer["op"] == "ok", answer
            return time.monotonic() - began


def test_a_frozen_redis_delays_no_acknowledgement_and_the_events_arrive_after(
    world: World, private_redis
) -> None:
    redis_server, url = private_redis
    env = {**database_env(), "REDIS_URL": url, "LINLI_WS_RECONCILE_SECONDS": "1"}
    port = free_port()
    server = start_daphne(port, env=env)
    stream = world.board.stream
    try:
        writer_token = Token.objects.create(user=world.alice)
        reader_token = Token.objects.create(user=world.bob)
        with open_socket(port, writer_token) as writer, open_socket(port, reader_token) as reader:
            reader.send(json.dumps({"op": "sub", "stream": stream}))
            assert json.loads(reader.recv(timeout=10))["op"] == "subbed"
            post(writer, stream, "冻结之前", "w1")
            assert json.loads(reader.recv(timeout=10))["seq"] == 1
            redis_server.send_signal(signal.SIGSTOP)
            try:
                took = [post(writer, stream, f"冻结中{i}", f"f{i}") for i in range(3)]
            finally:
                redis_server.send_signal(signal.SIGCONT)
            assert max(took) < 1.5, took  # bounded by the publish timeout, not the freeze
            # The stored events reach the reader once Redis is back, in order.
            seqs = [json.loads(reader.recv(timeout=15))["seq"] for _ in range(3)]
            assert seqs == [2, 3, 4]
            post(writer, stream, "恢复之后", "w2")
            assert json.loads(reader.recv(timeout=10))["seq"] == 5
    finally:
        stop(server)
    log = server.stderr.read().decode() if server.stderr else ""
    # One warning for the outage, not one (nor a traceback) per publish.
    assert log.count(PUBLISH_WARNING) == 1, log
    assert "Traceback" not in log, log


def test_publishing_outside_the_server_is_bounded_too(
    world: World, private_redis, settings, monkeypatch, caplog
) -> None:
    """Commands and jobs publish on the process's own loop: the same bound applies, to
    single events and to batches, and the outage is logged once."""
    from django.db import transaction

    import realtime
    from realtime import fanout
    from realtime.models import Event

    redis_server, url = private_redis
    monkeypatch.setattr(fanout, "outage", fanout.Outage())
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": url}], "prefix": "frozen"},
        }
    }
    with transaction.atomic():
        realtime.publish("board.1", "warm", {})  # connects while Redis answers
    redis_server.send_signal(signal.SIGSTOP)
    try:
        began = time.monotonic()
        with transaction.atomic():
            realtime.publish("board.1", "frozen", {})
        with transaction.atomic():
            realtime.publish_many([(f"user.{n % 50 + 1}", "frozen", {}) for n in range(200)])
        took = time.monotonic() - began
    finally:
        redis_server.send_signal(signal.SIGCONT)
    assert took < 3.0, took  # two writes, each held at most one publish timeout
    assert Event.objects.filter(type="frozen").count() == 201  # stored for gap fill
    warnings = [r for r in caplog.records if PUBLISH_WARNING in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].exc_info is None
    with transaction.atomic():
        realtime.publish("board.1", "after", {})
    # During the outage that send is made in the background; its success ends the outage.
    deadline = time.monotonic() + 10
    while fanout.outage.since is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fanout.outage.since is None  # recovered


def test_replies_sent_back_to_back_while_redis_is_frozen_are_all_answered_before_the_thaw(
    world: World, private_redis
) -> None:
    """A reply publishes two events (the topic's post.created, the board's topic.replied),
    and a socket's frames are answered in order. Each send used to wait out the publish
    timeout on its own, so every reply held its socket for two timeouts while Redis was
    frozen, and a client posting faster than that was answered later and later: the
    chaos harness saw replies sent mid-freeze answered only after the thaw. Once a send
    has timed out the outage is known, and the next sends must not hold their writers."""
    from forum import services

    redis_server, url = private_redis
    env = {**database_env(), "REDIS_URL": url, "LINLI_WS_RECONCILE_SECONDS": "1"}
    port = free_port()
    server = start_daphne(port, env=env)
    topic = services.topic_create(user=world.alice, board=world.board, title="停水", body="通知")
    stream = f"topic.{topic.pk}"
    replies = 8
    try:
        writer_token = Token.objects.create(user=world.alice)
        reader_token = Token.objects.create(user=world.bob)
        with open_socket(port, writer_token) as writer, open_socket(port, reader_token) as reader:
            reader.send(json.dumps({"op": "sub", "stream": stream}))
            subbed = json.loads(reader.recv(timeout=10))
            assert subbed["op"] == "subbed"
            head = subbed["seq"]
            redis_server.send_signal(signal.SIGSTOP)
            answered: set[str] = set()
            try:
                # All at once, as a poster does that does not wait for its answers.
                for n in range(replies):
                    frame = {"op": "do", "stream": stream, "action": "post.create"}
                    data = {"body": f"冻结中{n}"}
                    writer.send(json.dumps({**frame, "data": data, "ref": f"r{n}"}))
                # Redis stays frozen for one publish timeout (0.5 s) per reply: the
                # answers must all come while it is still frozen. (Two timeouts per
                # reply, as before, would take twice that.)
                deadline = time.monotonic() + replies * 0.5
                while len(answered) < replies and time.monotonic() < deadline:
                    try:
                        answer = json.loads(writer.recv(timeout=deadline - time.monotonic()))
                    except TimeoutError:
                        break
                    if answer.get("ref", "").startswith("r"):
                        assert answer["op"] == "ok", answer
                        answered.add(answer["ref"])
            finally:
                redis_server.send_signal(signal.SIGCONT)
            assert len(answered) == replies, f"answered while frozen: {sorted(answered)}"
            # Every reply is stored and reaches the reader after the thaw, in order.
            seqs = [json.loads(reader.recv(timeout=15))["seq"] for _ in range(replies)]
            assert seqs == list(range(head + 1, head + replies + 1))
            after = {"op": "do", "stream": stream, "action": "post.create"}
            writer.send(json.dumps({**after, "data": {"body": "恢复之后"}, "ref": "after"}))
            assert json.loads(reader.recv(timeout=10))["seq"] == head + replies + 1
    finally:
        stop(server)
    log = server.stderr.read().decode() if server.stderr else ""
    assert log.count(PUBLISH_WARNING) == 1, log
    assert "Traceback" not in log, log


def test_late_outcomes_of_overlapping_sends_neither_open_nor_end_an_outage(caplog) -> None:
    """Sends overlap (the background ones of an outage especially), so their outcomes can
    arrive out of order: one begun before the recovery that times out after it must not
    log a second warning for the same outage, and one begun before the outage that
    succeeds late must not end it."""
    from realtime.fanout import Outage

    outage = Outage()
    first = time.monotonic()
    outage.failure(TimeoutError(), first)
    assert outage.since is not None
    outage.success(first)  # begun before the outage was known
    assert outage.since is not None
    outage.success(time.monotonic())
    assert outage.since is None
    outage.failure(TimeoutError(), first)  # begun before the recovery, reported after
    assert outage.since is None
    warnings = [r for r in caplog.records if PUBLISH_WARNING in r.getMessage()]
    assert len(warnings) == 1
    outage.failure(TimeoutError(), time.monotonic())  # a new outage is one
    assert outage.since is not None
