from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from tests import factories


@dataclass
class World:
    place: Any
    board: Any
    alice: Any  # verified resident of place
    bob: Any  # verified resident of place
    outsider: Any  # verified resident of another neighborhood


@pytest.fixture
def world(transactional_db: None) -> World:
    place = factories.neighborhood("昌里第五")
    other = factories.neighborhood("云台第一")
    return World(
        place=place,
        board=factories.board(place),
        alice=factories.resident(place, "alice", name="王小明"),
        bob=factories.resident(place, "bob", name="李阿姨"),
        outsider=factories.resident(other, "outsider", name="赵大海"),
    )


def session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


Connect = Callable[..., Awaitable[WebsocketCommunicator]]


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    opened: list[WebsocketCommunicator] = []

    async def _connect(
        cookie: str | None = None,
        *,
        origin: bytes | None = b"http://testserver",
        subprotocols: tuple[str, ...] = ("linli.v1",),
        language: str | None = None,
        expect: bool = True,
    ) -> WebsocketCommunicator:
        headers = []
        if origin is not None:
            headers.append((b"origin", origin))
        if cookie is not None:
            headers.append((b"cookie", f"sessionid={cookie}".encode()))
        if language is not None:
            headers.append((b"accept-language", language.encode()))
        communicator = WebsocketCommunicator(
            application, "/ws/", headers=headers, subprotocols=list(subprotocols)
        )
        connected, _ = await communicator.connect(timeout=5)
        assert connected is expect
        opened.append(communicator)
        return communicator

    yield _connect
    for communicator in opened:
        await communicator.disconnect()
