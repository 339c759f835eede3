"""Which of the sessions behind open sockets still exist.

A session ends without any message to the sockets it signed in: it expires, `clearsessions`
deletes it, an operator deletes it. The hub asks this about all of a process's sockets at
once, every LINLI_WS_SESSION_CHECK_SECONDS (docs/realtime.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module

from django.conf import settings
from django.utils import timezone

KEYS_PER_QUERY = 1000


def live_sessions(keys: Iterable[str]) -> set[str]:
    """The keys among `keys` whose session exists and has not expired.

    Database-backed engines (db, cached_db) answer with one query per 1,000 keys, by the
    row as Django's own `load()` reads it; any other engine loads each session.
    """
    wanted = sorted(set(keys))
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    model_class = getattr(store_class, "get_model_class", None)
    if model_class is None:
        return {key for key in wanted if store_class(key).load()}
    model = model_class()
    live: set[str] = set()
    now = timezone.now()
    for start in range(0, len(wanted), KEYS_PER_QUERY):
        chunk = wanted[start : start + KEYS_PER_QUERY]
        live.update(
            model.objects.filter(session_key__in=chunk, expire_date__gt=now).values_list(
                "session_key", flat=True
            )
        )
    return live
