"""Request bodies over the route's limit are refused with 413 as they arrive (config/bodylimit.py):
by the real server before it buffers them, and by the ASGI middleware under any other."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from subprocess import Popen

import pytest
from channels.testing import ApplicationCommunicator
from django.test import override_settings

from config.asgi import application
from tests.conftest import database_env, free_port, start_daphne, stop
from tests.rawhttp import Answer, request

MiB = 1024 * 1024
TOO_LARGE_ZH = "请求过大：此处最多可发送 1 MiB。"


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def open_temp_files(pid: int) -> list[str]:
    """Files the server holds open that are deleted temporary files (where Twisted and
    Django spool request bodies)."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if "(deleted)" in target or target.startswith("/tmp/"):
            found.append(target)
    return found


async def zeros(total: int, chunk: int = MiB) -> AsyncIterator[bytes]:
    block = b"\0" * chunk
    sent = 0
    while sent < total:
        yield block[: min(chunk, total - sent)]
        sent += chunk


@pytest.fixture
def server() -> Iterator[tuple[int, Popen[bytes]]]:
    port = free_port()
    process = start_daphne(port, {**database_env(), "LINLI_BODY_MAX_BYTES": str(MiB)})
    yield port, process
    stop(process)


@pytest.mark.django_db(transaction=True)
def test_a_huge_streamed_post_to_login_is_refused_before_it_is_buffered(
    server: tuple[int, Popen[bytes]],
) -> None:
    port, process = server
    before = rss(process.pid)
    # Given a client that declares 400 MiB and streams it (giving up after 64 MiB unanswered)
    answer = asyncio.run(
        request(
            port,
            "/login/",
            method="POST",
            headers=[("Content-Type", "application/x-www-form-urlencoded")],
            body=zeros(64 * MiB),
            content_length=400 * MiB,
        )
    )
    # Then the server answered 413 before taking the body, in Chinese, and kept nothing
    assert answer.status == 413
    assert answer.sent < 64 * MiB
    assert TOO_LARGE_ZH in answer.body.decode()
    assert open_temp_files(process.pid) == []
    assert rss(process.pid) - before < 32 * MiB


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_is_counted_as_it_streams(server: tuple[int, Popen[bytes]]) -> None:
    port, process = server
    answer = asyncio.run(request(port, "/login/", method="POST", body=zeros(64 * MiB, 64 * 1024)))
    assert answer.status == 413
    assert answer.sent < 64 * MiB
    assert open_temp_files(process.pid) == []


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_413_as_code_and_message(server: tuple[int, Popen[bytes]]) -> None:
    port, _process = server
    answer = asyncio.run(
        request(
            port,
            "/api/v1/boards/1/topics/",
            method="POST",
            headers=[("Content-Type", "application/json"), ("Accept-Language", "en")],
            body=b"[" + b" " * (2 * MiB) + b"]",
        )
    )
    assert answer.status == 413
    assert json.loads(answer.body) == {
        "code": "too_large",
        "message": "The request is too large: at most 1 MiB may be sent here.",
    }


@pytest.mark.django_db(transaction=True)
def test_an_upload_route_takes_more(server: tuple[int, Popen[bytes]]) -> None:
    port, _process = server
    answer = asyncio.run(
        request(
            port,
            "/api/v1/neighborhoods/1/ledger/import/",
            method="POST",
            headers=[("Content-Type", "application/octet-stream")],
            body=b"\0" * (3 * MiB),
        )
    )
    assert answer.status not in {0, 413}  # past the edge: the view answers (not logged in)
    answer = asyncio.run(
        request(
            port,
            "/api/v1/neighborhoods/1/ledger/import/",
            method="POST",
            body=zeros(64 * MiB),
            content_length=13 * MiB,
        )
    )
    assert answer.status == 413


@pytest.mark.django_db(transaction=True)
def test_a_body_within_the_limit_reaches_the_view(server: tuple[int, Popen[bytes]]) -> None:
    port, _process = server
    answer: Answer = asyncio.run(
        request(
            port,
            "/api/v1/boards/1/topics/",
            method="POST",
            headers=[("Content-Type", "application/json")],
            body=b"{}",
        )
    )
    assert answer.status == 403  # not logged in: the view's answer, not the edge's


# The ASGI middleware, for servers other than realtime.serve ------------------------------


async def post_in_process(
    path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]]
) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ["127.0.0.1", 40000],
        "server": ["testserver", 80],
    }
    app = ApplicationCommunicator(application, scope)
    for n, chunk in enumerate(chunks):
        await app.send_input(
            {"type": "http.request", "body": chunk, "more_body": n < len(chunks) - 1}
        )
    start = await app.receive_output(timeout=10)
    body = b""
    while True:
        message = await app.receive_output(timeout=10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await app.wait(timeout=10)
    return int(start["status"]), body


@pytest.mark.django_db(transaction=True)
@override_settings(LINLI_BODY_MAX_BYTES=MiB)
async def test_the_middleware_refuses_by_content_length() -> None:
    status, body = await post_in_process(
        "/login/", [b"x"], [(b"content-length", str(2 * MiB).encode())]
    )
    assert status == 413
    assert TOO_LARGE_ZH in body.decode()


@pytest.mark.django_db(transaction=True)
@override_settings(LINLI_BODY_MAX_BYTES=MiB)
async def test_the_middleware_counts_a_body_longer_than_declared() -> None:
    chunks = [b"x" * (256 * 1024)] * 8  # 2 MiB, declared as 10 bytes
    status, body = await post_in_process(
        "/api/v1/boards/1/topics/", chunks, [(b"content-length", b"10")]
    )
    assert status == 413
    assert json.loads(body)["code"] == "too_large"
