"""ASGI entry point: HTTP through Django, /ws/ through the realtime consumer."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from typing import Any  # noqa: E402

from config import forwarded  # noqa: E402
from config.bodylimit import BodyLimit  # noqa: E402
from realtime.auth import LiveEdge  # noqa: E402
from realtime.consumers import LiveConsumer  # noqa: E402


def live_consumer(scope: Any, receive: Any, send: Any) -> Any:
    return LiveConsumer()(scope, receive, send)


# Bodies over the route's limit are refused before Django reads them (config/bodylimit.py).
http_app = BodyLimit(django_asgi_app)

# One WebSocket endpoint, /ws/, behind one edge layer (realtime/auth.py).
live = LiveEdge(live_consumer)


def application(scope: Any, receive: Any, send: Any) -> Any:
    """Route by protocol. A plain function, not a coroutine: it hands back the handler's
    coroutine instead of awaiting it, so no frame of its own (holding the whole scope)
    stays alive for the life of each socket."""
    if scope["type"] in {"http", "websocket"}:
        scope = forwarded.resolve(scope)
    if scope["type"] == "websocket":
        return live(scope, receive, send)
    return http_app(scope, receive, send)


# asgiref takes a plain function for an ASGI 2 "double callable"; this one is ASGI 3.
application._asgi_single_callable = True  # type: ignore[attr-defined]
