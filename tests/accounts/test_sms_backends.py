"""The one SMS backend (accounts.auth.sms): the console backend's outbox and file, the
HTTP gateway's retries against a real local HTTP server, the per-number cap."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.cache import cache

from accounts.auth import sms


@pytest.fixture(autouse=True)
def _fresh() -> None:
    sms.ConsoleBackend.outbox.clear()
    sms._backend.cache_clear()
    cache.clear()


class Gateway(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[tuple[str, dict[str, str]]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        Gateway.received.append((self.headers.get("Authorization", ""), json.loads(body)))
        self.send_response(Gateway.answers.pop(0) if Gateway.answers else 200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway(settings) -> Iterator[type[Gateway]]:
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Gateway.answers, Gateway.received = [], []
    settings.LINLI_SMS_BACKEND = "accounts.auth.sms.HttpGatewayBackend"
    settings.LINLI_SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.LINLI_SMS_GATEWAY_KEY = "k3y"
    settings.LINLI_SMS_GATEWAY_BACKOFF = 0.01
    settings.LINLI_SMS_GATEWAY_RETRIES = 2
    yield Gateway
    server.shutdown()
    server.server_close()


def test_the_console_backend_prints_keeps_and_files_each_message(settings, tmp_path, capsys):
    settings.LINLI_SMS_OUTBOX = str(tmp_path / "outbox.jsonl")
    assert sms.send("+8613800138000", "code 123456")
    assert "[SMS to +8613800138000] code 123456" in capsys.readouterr().out
    assert [m.text for m in sms.ConsoleBackend.outbox] == ["code 123456"]
    line = json.loads((tmp_path / "outbox.jsonl").read_text().splitlines()[-1])
    assert line["to"] == "+8613800138000" and line["text"] == "code 123456"


def test_the_gateway_gets_json_with_the_key_and_a_5xx_is_retried(gateway):
    gateway.answers = [503, 200]
    assert sms.send("+8613800138000", "code 654321")
    assert len(gateway.received) == 2
    assert gateway.received[-1] == ("Bearer k3y", {"to": "+8613800138000", "text": "code 654321"})


def test_a_4xx_is_not_retried_and_every_failure_is_raised(gateway):
    gateway.answers = [400]
    with pytest.raises(sms.SmsNotSent, match="HTTP 400"):
        sms.send("+8613800138000", "x")
    assert len(gateway.received) == 1
    gateway.answers = [500, 500, 500]
    with pytest.raises(sms.SmsNotSent, match="HTTP 500"):
        sms.send("+8613800138001", "x")
    assert len(gateway.received) == 1 + 3  # one try and two retries


def test_no_more_than_the_cap_leaves_for_one_number_per_hour(settings):
    settings.LINLI_SMS_PER_NUMBER_HOUR = 2
    sent = [sms.send("+8613800138009", f"m{n}") for n in range(3)]
    assert sent == [True, True, False]
    assert sms.send("+8613800138008", "other number")
    assert len(sms.ConsoleBackend.outbox) == 3
