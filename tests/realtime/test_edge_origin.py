"""The WebSocket origin check compares whole origins (scheme, host and port): the page's
own origin, as the server sees the request, or one of CSRF_TRUSTED_ORIGINS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect
from websockets.typing import Origin, Subprotocol

from config.asgi import application
from tests.conftest import World, free_port, start_daphne, stop
from tests.realtime.conftest import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def handshake(cookie: str, origin: str, host: str = "127.0.0.1:8000") -> bool:
    communicator = WebsocketCommunicator(
        application,
        "/ws/",
        headers=[
            (b"host", host.encode()),
            (b"origin", origin.encode()),
            (b"cookie", f"sessionid={cookie}".encode()),
        ],
        subprotocols=["linli.v1"],
    )
    connected, _ = await communicator.connect(timeout=5)
    if connected:
        await communicator.disconnect()
    return connected


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        ("http://127.0.0.1:8000", True),  # the page's own origin
        ("http://127.0.0.1:6666", False),  # same host, another port
        ("https://127.0.0.1:8000", False),  # same host and port, another scheme
        ("http://127.0.0.1", False),  # port 80 is not port 8000
        ("http://evil.example:8000", False),
        ("null", False),
    ],
)
async def test_only_the_pages_own_origin_is_accepted_with_a_cookie(
    world: World, origin: str, accepted: bool
) -> None:
    cookie = await database_sync_to_async(session_cookie)(world.alice)
    assert await handshake(cookie, origin) is accepted


@override_settings(CSRF_TRUSTED_ORIGINS=["https://app.example.org", "https://*.linli.example"])
@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        ("https://app.example.org", True),
        ("https://app.example.org:443", True),  # the default port, written out
        ("https://app.example.org:8443", False),
        ("http://app.example.org", False),
        ("https://north.linli.example", True),
        ("https://linli.example.evil", False),
    ],
)
async def test_a_configured_trusted_origin_is_accepted_whole(
    world: World, origin: str, accepted: bool
) -> None:
    cookie = await database_sync_to_async(session_cookie)(world.alice)
    assert await handshake(cookie, origin) is accepted


async def test_a_host_the_site_does_not_serve_gives_no_own_origin(world: World) -> None:
    cookie = await database_sync_to_async(session_cookie)(world.alice)
    assert await handshake(cookie, "http://evil.example", host="evil.example") is False


@pytest.fixture
def server() -> Iterator[int]:
    port = free_port()
    process = start_daphne(port)
    yield port
    stop(process)


def test_through_the_real_server_a_foreign_port_is_refused_and_the_own_origin_accepted(
    world: World, server: int
) -> None:
    cookie = session_cookie(world.alice)
    headers = {"Cookie": f"sessionid={cookie}"}
    url = f"ws://127.0.0.1:{server}/ws/"
    with pytest.raises(InvalidStatus) as refused:
        ws_connect(
            url,
            origin=Origin("http://127.0.0.1:6666"),
            additional_headers=headers,
            subprotocols=[Subprotocol("linli.v1")],
            open_timeout=10,
        )
    assert refused.value.response.status_code == 403
    with ws_connect(
        url,
        origin=Origin(f"http://127.0.0.1:{server}"),
        additional_headers=headers,
        subprotocols=[Subprotocol("linli.v1")],
        open_timeout=10,
    ) as ws:
        assert ws.subprotocol == "linli.v1"
