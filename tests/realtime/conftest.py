from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from tests.conftest import World  # noqa: F401  (re-exported for the tests here)


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
        headers = [(b"host", b"testserver")]
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
        if not communicator.future.done():
            await communicator.disconnect()
