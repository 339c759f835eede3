"""Text messages, through one backend chosen in settings, the way Django sends email.

Why a backend and not a provider's SDK: the demo and the tests must see the code (the
console backend prints it on `make run`'s console and keeps it where Playwright reads
it), and production must be able to change its gateway without a code change
(LINLI_SMS_BACKEND, a dotted path). The HTTP gateway backend speaks one small JSON
POST, which an operator points at their provider or at a relay (docs/deploy.md).

Every message goes through `send`, which holds the per-number cap
(LINLI_SMS_PER_NUMBER_HOUR): allauth's rate limits count requests per address and per
account; this counts what actually leaves for one number, whatever asked for it.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    to: str  # E.164
    text: str
    sent_at: str  # ISO 8601


class Backend(Protocol):
    def send(self, message: Message) -> None: ...


class SmsNotSent(Exception):
    """The gateway refused the message or could not be reached after every retry."""


class ConsoleBackend:
    """For the demo and the tests: prints each message, keeps it in `outbox` (this
    process) and, with LINLI_SMS_OUTBOX set, appends it as a JSON line to that file
    (another process: the browser tests read the daphne server's messages there)."""

    outbox: list[Message] = []
    _lock = threading.Lock()

    def send(self, message: Message) -> None:
        print(f"[SMS to {message.to}] {message.text}", file=sys.stdout, flush=True)
        with self._lock:
            ConsoleBackend.outbox.append(message)
            if settings.LINLI_SMS_OUTBOX:
                with open(settings.LINLI_SMS_OUTBOX, "a", encoding="utf-8") as file:
                    file.write(json.dumps(asdict(message), ensure_ascii=False) + "\n")


class HttpGatewayBackend:
    """POSTs {"to", "text"} as JSON to LINLI_SMS_GATEWAY_URL with the key as a bearer
    token. A 5xx answer or a network error is retried LINLI_SMS_GATEWAY_RETRIES times,
    waiting LINLI_SMS_GATEWAY_BACKOFF seconds doubled each time; a 4xx is the gateway
    refusing this message and is not retried."""

    def send(self, message: Message) -> None:
        url = settings.LINLI_SMS_GATEWAY_URL
        if not url:
            raise SmsNotSent("LINLI_SMS_GATEWAY_URL is not set")
        body = json.dumps({"to": message.to, "text": message.text}).encode()
        headers = {"Content-Type": "application/json"}
        if settings.LINLI_SMS_GATEWAY_KEY:
            headers["Authorization"] = f"Bearer {settings.LINLI_SMS_GATEWAY_KEY}"
        attempts = 1 + max(0, settings.LINLI_SMS_GATEWAY_RETRIES)
        wait = settings.LINLI_SMS_GATEWAY_BACKOFF
        last = ""
        for attempt in range(attempts):
            if attempt:
                time.sleep(wait)
                wait *= 2
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(  # noqa: S310 (the operator's URL)
                    request, timeout=settings.LINLI_SMS_GATEWAY_TIMEOUT
                ) as response:
                    response.read()
                    return
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code}"
                if exc.code < 500:
                    break
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                last = str(exc)
        raise SmsNotSent(f"SMS gateway: {last}")


@lru_cache(maxsize=4)
def _backend(path: str) -> Backend:
    backend: Backend = import_string(path)()
    return backend


def backend() -> Backend:
    return _backend(settings.LINLI_SMS_BACKEND)


def _under_cap(to: str) -> bool:
    """One more message to `to` this hour, if the cap allows it (counted in the cache,
    shared by every process when Redis is set)."""
    cap = settings.LINLI_SMS_PER_NUMBER_HOUR
    if cap <= 0:
        return True
    key = f"linli:sms:{to}:{int(time.time() // 3600)}"
    cache.add(key, 0, timeout=3600)
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        sent = 1
    return sent <= cap


def send(to: str, text: str) -> bool:
    """Send `text` to the E.164 number `to`. False when the per-number cap held it back
    (logged; allauth's own limits tell the person to wait long before that)."""
    if not _under_cap(to):
        log.warning("SMS to %s held back: over LINLI_SMS_PER_NUMBER_HOUR", to[:-4] + "****")
        return False
    backend().send(Message(to=to, text=text, sent_at=timezone.now().isoformat()))
    return True
