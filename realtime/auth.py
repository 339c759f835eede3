"""The WebSocket edge: one layer between daphne and the consumer.

It does what Channels' OriginValidator, SessionMiddleware, AuthMiddleware and URLRouter
would do in five layers, in one, and hands the consumer a slim scope: every layer keeps
its own copy of the scope and a suspended coroutine for the life of the socket, and with
thousands of sockets that was a quarter of the memory each one cost (docs/performance.md).

- A foreign Origin is refused before accept (HTTP 403). Whole origins are compared
  (scheme, host, port; realtime/origins.py): the request's own origin (its scheme as the
  server sees it, trusted proxies' X-Forwarded-Proto included, and its Host if ALLOWED_HOSTS
  has it) or one of CSRF_TRUSTED_ORIGINS. A socket without Origin is not a browser: its
  cookies are ignored, so it must authenticate with a token.
- Apps authenticate with the subprotocol `token.<key>` (DRF tokens), browsers with the
  Django session cookie (checked by django.contrib.auth.get_user, session hash included).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host

from core.languages import supported_language
from realtime import origins
from realtime.direct import EXTENSION
from realtime.offloop import off_loop

TOKEN_PREFIX = "token."
PATH = "/ws/"


def _headers(scope: dict[str, Any]) -> dict[bytes, bytes]:
    return {key: bytes(value) for key, value in scope.get("headers", [])}


def _language(cookies: dict[str, str], accept: bytes | None) -> str:
    chosen = cookies.get(settings.LANGUAGE_COOKIE_NAME)
    return supported_language(chosen, accept.decode("latin1") if accept else "")


def _token_key(subprotocols: list[str]) -> str | None:
    tokens = [p for p in subprotocols if p.startswith(TOKEN_PREFIX)]
    return tokens[0][len(TOKEN_PREFIX) :] if tokens else None


def _user_for_token(key: str) -> Any:
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return None
    return token.user


class ReadOnlySession:
    """A session Django's get_user may read but not change: over a WebSocket handshake a
    new session cookie cannot reach the browser, so cycling or flushing the session (as
    get_user does around SECRET_KEY rotation) would log the user out of every page."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getitem__(self, key: str) -> Any:
        return self._store[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._store.get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        pass

    def cycle_key(self) -> None:
        pass

    def flush(self) -> None:
        pass


def user_for_session(session_key: str) -> Any:
    """The user a session cookie authenticates, checked the way Django checks it (the
    session hash included), without modifying the session."""
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    request = SimpleNamespace(session=ReadOnlySession(store))
    return auth.get_user(request)  # type: ignore[arg-type]


def still_authenticates(
    user_id: int | None, via: str | None, subprotocols: list[str], session_key: str | None
) -> bool:
    """Does what authenticated a socket still authenticate the same, active user?

    A deleted token, a deactivated account, or a session that no longer verifies (a
    password change) all answer no."""
    if user_id is None:
        return True
    token_key = _token_key(subprotocols)
    if via == "token" and token_key is not None:
        user = _user_for_token(token_key)
    elif via == "session" and session_key:
        user = user_for_session(session_key)
    else:
        return False
    return user is not None and user.pk == user_id


def own_origin(scope: dict[str, Any], host: bytes | None) -> origins.Origin | None:
    """The origin of the page that would open this socket from this site: the scheme the
    server sees (https behind a trusted TLS proxy) and the Host, if the site serves it."""
    if not host:
        return None
    text = host.decode("latin1")
    domain, _port = split_domain_port(text)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    scheme = "https" if scope.get("scheme") in {"wss", "https"} else "http"
    return origins.parse(f"{scheme}://{text}")


async def deny(receive: Any, send: Any) -> None:
    """Refuse the handshake (HTTP 403) without touching the channel layer."""
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close"})


class LiveEdge:
    def __init__(self, consumer: Any) -> None:
        self.consumer = consumer

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = _headers(scope)
        origin = headers.get(b"origin")
        if scope.get("path") != PATH or (
            origin is not None
            and not origins.allowed(
                origin.decode("latin1"),
                own=own_origin(scope, headers.get(b"host")),
                trusted=settings.CSRF_TRUSTED_ORIGINS,
            )
        ):
            return await deny(receive, send)
        # Django's parser: one odd cookie from another app must not hide the session.
        cookies = parse_cookie(headers.get(b"cookie", b"").decode("latin1"))
        subprotocols = list(scope.get("subprotocols", []))
        token_key = _token_key(subprotocols)
        user: Any = None
        session_key = None
        if token_key is not None:
            user = await off_loop(_user_for_token)(token_key)
            via = "token" if user is not None else "bad_token"
        elif origin is not None and settings.SESSION_COOKIE_NAME in cookies:
            session_key = cookies[settings.SESSION_COOKIE_NAME]
            user = await off_loop(user_for_session)(session_key)
            via = "session"
        else:
            via = "none"
        if user is None or not user.is_authenticated:
            user, session_key = AnonymousUser(), None
        language = _language(cookies, headers.get(b"accept-language"))
        extensions = scope.get("extensions", {})
        direct = {EXTENSION: extensions[EXTENSION]} if EXTENSION in extensions else {}
        # The full scope (headers, cookies) is not needed past this point; this frame
        # lives as long as the socket, so let go of it.
        del scope, headers, cookies, extensions
        slim = {
            "type": "websocket",
            "path": PATH,
            "subprotocols": subprotocols,
            "user": user,
            "auth_via": via,
            "session_key": session_key,
            "language": language,
            "extensions": direct,
        }
        return await self.consumer(slim, receive, send)
