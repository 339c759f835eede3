"""A hundred simultaneous votes of one household, over WebSockets into two server processes
on PostgreSQL: exactly one is stored, the 99 others are told `already_voted`."""

from __future__ import annotations

import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework.authtoken.models import Token
from websockets.sync.client import connect

from tests.conftest import free_port, start_daphne, stop
from tests.voting.scene import ballot, scene
from voting.models import Participation, SecretVote

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres", "redis"),
]

SOCKETS = 100


def test_a_hundred_sockets_casting_one_households_vote_store_it_once() -> None:
    s = scene(10)  # a secret ballot's smallest electorate
    b = ballot(s, secret=True)
    token = Token.objects.create(user=s.reps[0])
    ports = [free_port(), free_port()]
    servers = [start_daphne(port) for port in ports]
    gate = threading.Barrier(SOCKETS)

    def vote(index: int) -> str:
        with connect(
            f"ws://127.0.0.1:{ports[index % 2]}/ws/",
            subprotocols=["linli.v1", f"token.{token.key}"],
            compression=None,
            open_timeout=20,
        ) as ws:
            gate.wait(timeout=60)
            ws.send(
                json.dumps(
                    {
                        "op": "do",
                        "ref": str(index),
                        "stream": b.stream,
                        "action": "ballot.cast",
                        "data": {"choice": ["yes"]},
                    }
                )
            )
            while True:
                answer = json.loads(ws.recv(timeout=60))
                if answer.get("ref") == str(index):
                    return "ok" if answer["op"] == "ok" else answer["code"]

    try:
        with ThreadPoolExecutor(SOCKETS) as pool:
            outcomes = Counter(pool.map(vote, range(SOCKETS)))
    finally:
        for server in servers:
            stop(server)
    assert outcomes == {"ok": 1, "already_voted": SOCKETS - 1}
    assert SecretVote.objects.filter(ballot=b).count() == 1
    assert Participation.objects.filter(ballot=b).count() == 1
