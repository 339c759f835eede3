"""WebSocket edge: origin validation before accept, and API tokens as a subprotocol."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

TOKEN_PREFIX = "token."


class OriginGuard(OriginValidator):
    """Refuse a foreign Origin before accept.

    Browsers always send Origin on a WebSocket; a socket without one is an app, which must
    authenticate with a token, so its cookies are ignored (no cross-site hijacking).
    """

    def __init__(self, application: Any) -> None:
        super().__init__(application, allowed_origins=settings.ALLOWED_HOSTS)

    def valid_origin(self, parsed_origin: Any) -> bool:
        if parsed_origin is None:
            return True
        return bool(self.validate_origin(parsed_origin))


def _header(scope: dict[str, Any], name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value)
    return None


@database_sync_to_async
def _user_for_token(key: str) -> Any:
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return None
    return token.user


class TokenAuthMiddleware:
    """Sits inside AuthMiddlewareStack: a `token.<key>` subprotocol overrides the session."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        scope = dict(scope)
        scope["auth_via"] = "session"
        tokens = [p for p in scope.get("subprotocols", []) if p.startswith(TOKEN_PREFIX)]
        if tokens:
            user = await _user_for_token(tokens[0][len(TOKEN_PREFIX) :])
            scope["user"] = user or AnonymousUser()
            scope["auth_via"] = "token" if user is not None else "bad_token"
        elif _header(scope, b"origin") is None:
            scope["user"] = AnonymousUser()
            scope["auth_via"] = "none"
        return await self.inner(scope, receive, send)
