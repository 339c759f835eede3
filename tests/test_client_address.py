"""The client address the application and the access log see: X-Forwarded-For counts only
from a trusted proxy (LINLI_TRUSTED_PROXIES), and then its right-most untrusted entry."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from channels.testing import HttpCommunicator
from django.http import HttpRequest, JsonResponse
from django.test import override_settings
from django.urls import path

from config.asgi import application
from tests.conftest import SERVE, database_env, free_port, start_daphne, stop
from tests.rawhttp import request


def whoami(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"addr": request.META["REMOTE_ADDR"], "secure": request.is_secure()})


urlpatterns = [path("whoami", whoami)]


async def ask(peer: str, headers: list[tuple[bytes, bytes]]) -> dict[str, object]:
    communicator = HttpCommunicator(application, "GET", "/whoami", headers=headers)
    communicator.scope["client"] = [peer, 40000]
    response = await communicator.get_response(timeout=10)
    assert response["status"] == 200, response
    answer: dict[str, object] = json.loads(response["body"])
    return answer


SPOOFED = [
    (b"host", b"testserver"),
    (b"x-forwarded-for", b"6.6.6.6, 203.0.113.9"),
    (b"x-forwarded-proto", b"https"),
]


@pytest.mark.urls(__name__)
@override_settings(LINLI_TRUSTED_PROXIES=[])
async def test_an_untrusted_peer_cannot_choose_its_address_or_scheme() -> None:
    assert await ask("198.51.100.4", SPOOFED) == {"addr": "198.51.100.4", "secure": False}


@pytest.mark.urls(__name__)
@override_settings(LINLI_TRUSTED_PROXIES=["10.0.0.0/8"])
async def test_behind_a_trusted_proxy_the_client_is_the_entry_it_appended() -> None:
    assert await ask("10.0.0.2", SPOOFED) == {"addr": "203.0.113.9", "secure": True}
    assert await ask("198.51.100.4", SPOOFED) == {"addr": "198.51.100.4", "secure": False}


@pytest.fixture
def access_log(tmp_path: Path) -> Path:
    return tmp_path / "access.log"


def serve_and_ask(log: Path, trusted: str) -> str:
    """One request with a spoofed X-Forwarded-For through the real server, started with
    --proxy-headers as before; the address its access log wrote."""
    env = {**database_env(), "LINLI_TRUSTED_PROXIES": trusted}
    port = free_port()
    command = [*SERVE, "--proxy-headers", "--access-log", str(log)]
    server = start_daphne(port, env, command=command)
    try:
        answer = asyncio.run(
            request(port, "/healthz", headers=[("X-Forwarded-For", "6.6.6.6, 203.0.113.9")])
        )
    finally:
        stop(server)
    assert answer.status == 200
    line = log.read_text().strip().splitlines()[-1]
    return line.split(" ", 1)[0].rsplit(":", 1)[0]


@pytest.mark.django_db(transaction=True)
def test_the_real_servers_log_ignores_a_spoofed_header_from_an_untrusted_peer(
    access_log: Path,
) -> None:
    assert serve_and_ask(access_log, trusted="") == "127.0.0.1"


@pytest.mark.django_db(transaction=True)
def test_the_real_servers_log_shows_the_client_behind_a_trusted_proxy(
    access_log: Path,
) -> None:
    assert serve_and_ask(access_log, trusted="127.0.0.1") == "203.0.113.9"
