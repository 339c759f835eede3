"""Cross-process fan-out over the channel layer: one group per stream, one member per process.

Each process's hub (realtime/hub.py) is the only member of the groups of the streams its
connections watch, so an event crosses Redis once per process, never once per connection.
The frame is encoded once, by the publisher, and travels as a string.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

CONTROL_GROUP = "linli.control"


def group_for(stream: str) -> str:
    return f"s.{stream}"


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:  # pragma: no cover - settings always configure one
        return
    async_to_sync(layer.group_send)(group, message)


def send_event(stream: str, seq: int, frame: str) -> None:
    _send(group_for(stream), {"type": "ev", "stream": stream, "seq": seq, "frame": frame})


def send_ephemeral(stream: str, frame: str) -> None:
    _send(group_for(stream), {"type": "eph", "stream": stream, "frame": frame})


def close_session(user_id: int, session_key: str) -> None:
    """Ask every process to close this session's sockets with 4401 (logged out)."""
    _send(CONTROL_GROUP, {"type": "logout", "user": user_id, "session": session_key})
