"""Whole-origin comparison for the WebSocket handshake. Pure: strings in, a verdict out.

An origin is a scheme, a host and a port; two are the same only if all three are
(RFC 6454), the default port written out or not. The old check compared host names only,
so a page on any port of the site's host (http://127.0.0.1:6666) could open a socket with
the resident's cookie.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

Origin = tuple[str, str, int]  # scheme, lower-case host, port

DEFAULT_PORTS = {"http": 80, "https": 443}


def parse(text: str) -> Origin | None:
    """The origin `text` names, or None if it names none ("null", a path, a bad port)."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in DEFAULT_PORTS or not host or parts.path not in {"", "/"}:
        return None
    return scheme, host, port if port is not None else DEFAULT_PORTS[scheme]


def _matches(origin: Origin, pattern: str) -> bool:
    """`pattern` is an origin, or one with a leading "*." in its host standing for any
    subdomain (the form CSRF_TRUSTED_ORIGINS allows)."""
    wildcard = "://*." in pattern
    wanted = parse(pattern.replace("://*.", "://", 1) if wildcard else pattern)
    if wanted is None:
        return False
    scheme, host, port = origin
    if (scheme, port) != (wanted[0], wanted[2]):
        return False
    return host.endswith("." + wanted[1]) if wildcard else host == wanted[1]


def allowed(origin: str, *, own: Origin | None, trusted: Iterable[str]) -> bool:
    """May a page of `origin` open a socket: is it the request's own origin or trusted?"""
    parsed = parse(origin)
    if parsed is None:
        return False
    return parsed == own or any(_matches(parsed, pattern) for pattern in trusted)
