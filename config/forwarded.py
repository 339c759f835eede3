"""The client's address and scheme in the ASGI scope, behind trusted proxies only.

One place decides them (config/clientip.py's rules), so Django's REMOTE_ADDR and
request.is_secure(), the WebSocket edge's own-origin check, rate limits and the server's
access log (realtime/serve.py applies the same function) all see the same client.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings

from config import clientip


@lru_cache(maxsize=4)
def _trusted(entries: tuple[str, ...]) -> tuple[clientip.Network, ...]:
    return clientip.networks(entries)


def trusted() -> tuple[clientip.Network, ...]:
    return _trusted(tuple(settings.LINLI_TRUSTED_PROXIES))


def resolve(scope: dict[str, Any]) -> dict[str, Any]:
    """`scope` with "client" and "scheme" as the client used them. Idempotent: a scope
    resolved by the server is resolved to the same again by the application."""
    client = scope.get("client")
    networks = trusted()
    if not client or not networks or not clientip.is_trusted(str(client[0]), networks):
        return scope
    forwarded_for: list[str] = []
    forwarded_proto: list[str] = []
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            forwarded_for.append(bytes(value).decode("latin1"))
        elif name == b"x-forwarded-proto":
            forwarded_proto.append(bytes(value).decode("latin1"))
    peer = str(client[0])
    address = clientip.client_address(peer, forwarded_for, networks)
    current = scope.get("scheme") or ("ws" if scope["type"] == "websocket" else "http")
    resolved = dict(scope)
    # The port of the far client is not known (X-Forwarded-Port is the proxy's own).
    resolved["client"] = [address, 0 if address != peer else client[1]]
    resolved["scheme"] = clientip.scheme(peer, forwarded_proto, networks, current)
    return resolved
