"""How large a request body may be, decided before the body is read.

An anonymous 400 MiB POST to /login/ was read whole: the server buffered it, Django
copied it, and the machine paid 549 MB of memory and 744 MiB of temporary files before any
view could say no. A body is now refused with 413 as soon as its Content-Length, or the
count of bytes streamed so far, passes the route's limit: LINLI_BODY_MAX_BYTES, or
LINLI_UPLOAD_MAX_BYTES on the routes that take files (settings.LINLI_UPLOAD_ROUTES, by URL
name).

Where it is enforced matters. daphne (Twisted) buffers the whole body before it starts
the application, so an ASGI middleware alone only stops Django's copy; `realtime.serve`
applies these limits inside the server, while the body arrives (realtime/serve.py). The
middleware here (config/asgi.py) is the limit for any other server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext as _

from config import error_pages
from core.languages import language_of

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

STATUS = 413
REASON = b"Payload Too Large"


def limit_for(target: str) -> int:
    """The largest body the route of `target` (a path, maybe with a query) accepts."""
    path = unquote(target.split("?", 1)[0]) or "/"
    try:
        name = resolve(path).url_name
    except Resolver404:
        name = None
    if name in settings.LINLI_UPLOAD_ROUTES:
        return int(settings.LINLI_UPLOAD_MAX_BYTES)
    return int(settings.LINLI_BODY_MAX_BYTES)


def refusal_for(target: str, *, cookie: str, accept_language: str) -> tuple[str, bytes]:
    """(content type, body) of the 413 answer, in the request's language."""
    path = unquote(target.split("?", 1)[0])
    language = language_of(cookie, accept_language)
    with translation.override(language):
        message = _("The request is too large: at most %(size)s MiB may be sent here.") % {
            "size": _size_in_mib(limit_for(target))
        }
    return error_pages.answer(
        path=path, status=STATUS, code="too_large", message=message, language=language
    )


def _size_in_mib(size: int) -> str:
    return f"{size / (1024 * 1024):.3g}"


def declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _header(headers: list[tuple[bytes, bytes]], wanted: bytes) -> str:
    return b", ".join(v for n, v in headers if n == wanted).decode("latin1")


class BodyLimit:
    """ASGI middleware: 413 for an HTTP body over the route's limit, by Content-Length
    before the application starts, or by counting `http.request` chunks; the application
    then sees a disconnect (Django stops reading and answers nothing) and the 413 is sent
    here."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        target = scope.get("path", "/")
        headers = [(bytes(n), bytes(v)) for n, v in scope.get("headers", [])]
        limit = limit_for(target)
        length = declared_length(headers)
        if length is not None and length > limit:
            await self._refuse(target, headers, send)
            return
        received = 0
        over = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if over and not started:
                return  # the 413 below is the answer
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted_receive, watched_send)
        if over and not started:
            await self._refuse(target, headers, send)

    async def _refuse(self, target: str, headers: list[tuple[bytes, bytes]], send: Send) -> None:
        content_type, body = refusal_for(
            target,
            cookie=_header(headers, b"cookie"),
            accept_language=_header(headers, b"accept-language"),
        )
        await send(
            {
                "type": "http.response.start",
                "status": STATUS,
                "headers": [
                    (b"content-type", content_type.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
