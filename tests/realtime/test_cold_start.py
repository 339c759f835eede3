"""The first event a process publishes costs what the others do (issue 15, should-fix).

Building the channel layer imports its backend (channels_redis, redis-py and its TLS
dependencies): ~130 ms, which the first after-commit send of every publishing process
paid, holding that event and its writer. The app builds the layer at startup instead.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, database_env

PROBE = """
import json, sys
import django
django.setup()
from channels.layers import channel_layers
print(json.dumps({
    "built": "default" in channel_layers.backends,
    "backend_imported": "channels_redis.pubsub" in sys.modules,
    "publishing_imported": "realtime.publishing" in sys.modules,
}))
"""


def test_a_process_has_its_channel_layer_before_it_publishes(redis: None) -> None:
    # A bare process (a command, a job): only django.setup(), no request, no socket.
    env = {**database_env(), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "built": True,
        "backend_imported": True,
        "publishing_imported": True,
    }


WARM_PROBE = """
import json, time
import django
django.setup()
from django.db import transaction
from redis.asyncio.connection import Connection

import realtime

phase = ["before"]
opened = []
open_socket = Connection._connect  # opens the TCP connection (connect() only checks)


async def recording_open(self):
    opened.append(phase[0])
    return await open_socket(self)


Connection._connect = recording_open
with transaction.atomic():
    realtime.publish("board.1", "first", {})
    phase[0] = "writing"
    time.sleep(0.5)  # the rest of the writer's transaction
    phase[0] = "after commit"
with transaction.atomic():
    realtime.publish("board.1", "second", {})
print(json.dumps(opened))
"""


def test_the_first_event_finds_its_redis_connection_open(redis: None, transactional_db) -> None:
    """A process's first event opens its loop's Redis connection when it is written, so
    its after-commit send does not wait for the connection (nor does any later one)."""
    env = {**database_env(), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", WARM_PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    opened = json.loads(result.stdout.strip().splitlines()[-1])
    assert opened and "after commit" not in opened, opened
