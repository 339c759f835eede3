"""Live delivery of an outreach: every member's `notification.created`, in batches, after
the send committed.

Why a single-thread executor in the process: outreach_send must return in well under a
second, but the per-user events (one row on each member's `user.<id>` stream) take longer
for thousands of members. A queue service (Celery, RQ) would be one more moving part to
deploy for one job that is already durable in the database: every Notification row is
written by the send, and `published_at` records which live events went out. So the
sending process runs delivery on one background thread (one at a time, in the order
sent); if that process dies, `python manage.py outreach_deliver` finishes what is left
(every notification with published_at null), and running it twice, or beside a live
worker, is harmless: batches are taken with FOR UPDATE SKIP LOCKED and marked published
in the same transaction as their events, so each event is published exactly once.

Each batch (BATCH, 500 notifications) is one transaction: realtime.publish_many for the
members' events, published_at for those rows, and `outreach.progress` on `outreach.<id>`.
When none are left, delivered_at is set and `outreach.delivered` is published.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import close_old_connections, connection, transaction
from django.utils import timezone

import realtime
from accounts.models import Notification, Outreach
from accounts.notifications.services import publish_created
from accounts.outreach import events

log = logging.getLogger(__name__)

BATCH = 500
# A batch may skip rows another transaction holds (an acknowledgement, a second deliverer);
# they are retried after this pause, for at most LOCKED_RETRIES rounds.
LOCKED_PAUSE = 0.05
LOCKED_RETRIES = 200

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_pending: set[Future[None]] = set()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="linli-outreach")
        return _executor


def schedule(outreach_id: int) -> None:
    """Deliver an outreach in the background (called on commit of outreach_send)."""
    future = _pool().submit(_run, outreach_id)
    with _executor_lock:
        _pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future[None]) -> None:
    with _executor_lock:
        _pending.discard(future)


def _run(outreach_id: int) -> None:
    try:
        deliver(outreach_id)
    except Exception:
        # The rows stay unpublished: `manage.py outreach_deliver` finishes them.
        log.exception("delivery of outreach %s failed", outreach_id)
    finally:
        close_old_connections()
        connection.close()  # a worker thread's connection must not outlive its job


def wait_idle(timeout: float) -> bool:
    """Wait until every scheduled delivery has finished; False if it took longer."""
    deadline = time.monotonic() + timeout
    while True:
        with _executor_lock:
            pending = list(_pending)
        if not pending:
            return True
        for future in pending:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                future.result(timeout=left)
            except TimeoutError:
                return False
            except Exception:  # logged by _run; idle all the same
                log.debug("delivery future failed", exc_info=True)


def _batch(outreach: Outreach) -> int:
    """Publish one batch of unpublished notifications; how many were published."""
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(outreach=outreach, published_at__isnull=True)
            .order_by("pk")[:BATCH]
        )
        if not rows:
            return 0
        publish_created(rows)
        left = Notification.objects.filter(outreach=outreach, published_at__isnull=True).count()
        progress: events.ProgressPayload = {
            "published": outreach.member_count - left,
            "total": outreach.member_count,
        }
        realtime.publish(outreach.stream, events.PROGRESS, dict(progress))
        return len(rows)


def _finish(outreach_id: int) -> bool:
    """Mark the outreach delivered once nothing is left; False if something still is."""
    with transaction.atomic():
        outreach = Outreach.objects.select_for_update().get(pk=outreach_id)
        if outreach.delivered_at is not None:
            return True
        if Notification.objects.filter(outreach=outreach, published_at__isnull=True).exists():
            return False
        outreach.delivered_at = timezone.now()
        outreach.save(update_fields=["delivered_at"])
        payload: events.DeliveredPayload = {
            "published": outreach.member_count,
            "total": outreach.member_count,
            "delivered_at": outreach.delivered_at.isoformat(),
        }
        realtime.publish(outreach.stream, events.DELIVERED, dict(payload))
        return True


def deliver(outreach_id: int) -> int:
    """Publish every unpublished notification of the outreach; how many this call did."""
    outreach = Outreach.objects.filter(pk=outreach_id).first()
    if outreach is None:
        return 0
    done = 0
    retries = 0
    while True:
        published = _batch(outreach)
        done += published
        if published:
            continue
        if _finish(outreach_id):
            return done
        retries += 1  # rows held by another transaction: wait for it
        if retries > LOCKED_RETRIES:
            log.warning("outreach %s: rows still locked; left for outreach_deliver", outreach_id)
            return done
        time.sleep(LOCKED_PAUSE)


def deliver_pending() -> dict[int, int]:
    """Finish every outreach that is not delivered (the resume after a crash)."""
    undelivered = list(
        Outreach.objects.filter(delivered_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return {outreach_id: deliver(outreach_id) for outreach_id in undelivered}
