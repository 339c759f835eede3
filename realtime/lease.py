"""A server process's lease on the presence it counts.

Why: presence is a count of sockets (a room pauses when its chair's count reaches 0), and
only the process holding a socket can count it down. A process killed with -9 (the OOM
killer, a lost machine) never does, so a room whose chair was on it would never pause.
Each server process therefore holds a lease, a row of `ServerLease` renewed every third
of `LINLI_PROCESS_LEASE_SECONDS`, and its counts are written under the lease's id. Counts
whose process has no unexpired lease do not count, and the sweep every live process runs
after renewing (and `manage.py presence_sweep`) sets them to 0, through the apps' sweeps
(`registry.register_presence_sweep`), which pause what must pause.

Why PostgreSQL and not Redis keys with a TTL: the counts are rows in PostgreSQL, so "is
this count's process alive" is a subquery in the very transaction that changes a count
and pauses a room, with no window between two stores; and a Redis outage would expire
every lease at once and pause every room. Expiry is judged by the database's clock
(`now()`), so the servers' clocks need not agree.

Why a thread and not a task on the event loop: renewing and sweeping are synchronous
database work; a thread of their own keeps them off the loop and off the executor the
sockets' actions queue on.

A process whose lease lapsed while it lived (a stall or a database outage longer than the
lease) has had its counts dropped by the others. It takes a new id and writes back the
counts it still holds (kept here, per stream and user), so its sockets count again. The
switch and the snapshot of those counts happen under one lock with every count change, so
each change lands either in the snapshot or on top of it, never in both or neither.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.db.models import DateTimeField, ExpressionWrapper, QuerySet
from django.db.models.functions import Now

from realtime import registry
from realtime.models import ServerLease

log = logging.getLogger(__name__)

Key = tuple[str, int, int]  # (stream kind, key, user id)


def seconds() -> float:
    return float(settings.LINLI_PROCESS_LEASE_SECONDS)


def live() -> QuerySet[ServerLease, Any]:
    """The ids of processes whose lease has not expired (a subquery for `__in`)."""
    return ServerLease.objects.filter(expires_at__gt=Now()).values("id")


def _until() -> ExpressionWrapper:
    return ExpressionWrapper(Now() + dt.timedelta(seconds=seconds()), output_field=DateTimeField())


def _new_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


class ProcessLease:
    def __init__(self, *, keep: bool = True) -> None:
        # keep=False: no renewing thread; tests call beat() themselves.
        self.keep = keep
        self.lock = threading.Lock()
        self.id = _new_id()
        self.registered = False
        self.released = False
        # Sockets this process holds, per (kind, key, user): the truth a recovery writes back.
        self.held: dict[Key, tuple[Any, int]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # Counting ------------------------------------------------------------------------

    def tell(self, kind: str, user: Any, key: int, delta: int) -> None:
        """Sockets of `user` started (+) or stopped (-) following `<kind>.<key>` here."""
        hook = registry.presence_hook(kind)
        if hook is None or user.pk is None:
            return
        with self.lock:
            slot: Key = (kind, key, user.pk)
            count = self.held.get(slot, (user, 0))[1] + delta
            if count > 0:
                self.held[slot] = (user, count)
            else:
                self.held.pop(slot, None)
            if not self.registered and not self.released:
                self._register()
            process = self.id
        hook(user, key, delta, process)

    def _register(self) -> None:
        """Create the lease and start renewing it; under `lock`."""
        ServerLease.objects.create(id=self.id, started_at=Now(), expires_at=_until())
        self.registered = True
        if self.keep:
            self._thread = threading.Thread(target=self._keep, name="presence-lease", daemon=True)
            self._thread.start()

    # Keeping -------------------------------------------------------------------------

    def _keep(self) -> None:
        while not self._stop.wait(seconds() / 3):
            self.beat()

    def beat(self) -> None:
        """Renew (or recover) this process's lease, then sweep the dead ones' counts."""
        try:
            if not self._renew():
                self._recover()
            sweep()
        except Exception:
            log.exception("presence lease %s: renewal or sweep failed", self.id)
        finally:
            close_old_connections()

    def _renew(self) -> bool:
        # An expired lease is not renewed: others may have dropped its counts already.
        renewed = ServerLease.objects.filter(pk=self.id, expires_at__gt=Now()).update(
            expires_at=_until()
        )
        return renewed == 1

    def _recover(self) -> None:
        with self.lock:
            if self.released:
                return
            fresh = _new_id()
            ServerLease.objects.create(id=fresh, started_at=Now(), expires_at=_until())
            lapsed, self.id = self.id, fresh
            holding = [(kind, key, user, n) for (kind, key, _u), (user, n) in self.held.items()]
        log.warning(
            "presence lease %s lapsed; counting %d presences again as %s",
            lapsed,
            len(holding),
            fresh,
        )
        for kind, key, user, count in holding:
            hook = registry.presence_hook(kind)
            if hook is None:
                continue
            try:
                hook(user, key, count, fresh)
            except Exception:
                log.exception("presence of %s.%s could not be written back", kind, key)

    def release(self, timeout: float | None = None) -> None:
        """End the lease at shutdown: what this process counted stops counting now, not
        when the lease would have expired, and rooms whose chair was only here pause."""
        with self.lock:
            self.released = True
            registered, process, thread = self.registered, self.id, self._thread
        self._stop.set()
        if thread is not None:
            thread.join(seconds() if timeout is None else timeout)
        if not registered:
            return
        try:
            ServerLease.objects.filter(pk=process).delete()
            sweep()
        finally:
            close_old_connections()


_process = ProcessLease()


def current() -> str:
    """The id this process's counts are written under."""
    return _process.id


def tell(kind: str, user: Any, key: int, delta: int) -> None:
    _process.tell(kind, user, key, delta)


def release(timeout: float | None = None) -> None:
    _process.release(timeout)


def sweep() -> None:
    """Forget expired leases and let every app drop the counts of processes without one."""
    ServerLease.objects.filter(expires_at__lte=Now()).delete()
    for drop in registry.presence_sweeps():
        try:
            drop()
        except Exception:
            log.exception("presence sweep %r failed", drop)
