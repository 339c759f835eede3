"""Idempotency keys: a retried creating write whose answer was lost gets the first answer.

Why: a phone on a bad line posts, votes or signs up and the answer never arrives, so it
sends again. Without a key the retry writes twice (two posts) or is refused (a secret
ballot's `already_voted`, and its receipt is lost for good). With a key, the REST header
`Idempotency-Key` (after the IETF draft "The Idempotency-Key HTTP Header Field") or the
`key` of a socket `do`, the first success answer is kept for a day and given again.

How it holds:
- Once per (user, key). The key is claimed, by inserting its row, in the same
  transaction as the request's writes. PostgreSQL makes a concurrent claim of the same
  key wait for that transaction: after its commit the waiter reads the answer; after a
  failure (nothing kept) the waiter runs the request itself. Two concurrent retries write
  once.
- The request runs as it would without a key: what its services committed stays
  committed even if it then fails (a refused verification attempt stays logged, so a key
  cannot be used to dodge the attempt limits). Only a failed request's claim is dropped, so
  its retry runs again; only success answers (2xx, socket `ok`) are kept.
- The same key for another request (another body, endpoint or action, or another
  session) is refused: `idempotency_key_reused` (422).
- Secrecy. The table keeps nothing readable without the client's key: the key itself is
  stored as an HMAC, the request as an HMAC keyed by the client's key (a vote's choice is
  one of a few: a plain hash would tell it), and the answer is sealed (Fernet) with a key
  derived from the client's key and its credential (session or API token). So a secret
  vote's receipt is shown again only to the session that cast it, and the table links
  nobody to a receipt or a choice.

What it does not do: requests with the key that are still running are waited for, not
answered 409, since the claim is a row lock; keys outlive a SECRET_KEY rotation only as
rows that are never found again (a retry across a rotation runs again).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, TypeVar, cast

from cryptography.fernet import Fernet, InvalidToken
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from core.errors import DomainError, Invalid
from realtime import frames
from realtime.models import IdempotentRequest

HEADER: Final = "Idempotency-Key"
REPLAYED_HEADER: Final = "Idempotent-Replayed"  # on a replayed REST answer, as Stripe does
TTL: Final = dt.timedelta(hours=24)
T = TypeVar("T")


class KeyInvalid(Invalid):
    code = "idempotency_key_invalid"


class KeyReused(DomainError):
    code = "idempotency_key_reused"
    http_status = 422  # the IETF draft's answer to a key reused with another request


def key_invalid() -> KeyInvalid:
    return KeyInvalid(
        _("An idempotency key is 16 to 64 printable ASCII characters, such as a UUID.")
    )


def key_reused() -> KeyReused:
    return KeyReused(
        _("This idempotency key was used for another request: send a new request with a new key.")
    )


@dataclass(frozen=True)
class Stored:
    """A first answer, given again: an HTTP status (200 for a socket `ok`) and its data."""

    status: int
    data: Any


def _mac(purpose: str, *parts: str) -> str:
    return salted_hmac(
        f"linli.idempotency.{purpose}", "\0".join(parts), algorithm="sha256"
    ).hexdigest()


def _sealer(key: str, credential: str) -> Fernet:
    secret = salted_hmac("linli.idempotency.seal", f"{key}\0{credential}", algorithm="sha256")
    return Fernet(base64.urlsafe_b64encode(secret.digest()))


def _canonical(payload: object) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, cls=JSONEncoder)


class Slot:
    """A claimed key while its request runs: `replay` is the first answer if there is one
    (then the request must not run); otherwise `keep` stores this request's answer."""

    def __init__(self, row_id: int | None, replay: Stored | None, sealer: Fernet) -> None:
        self.row_id = row_id
        self.replay = replay
        self.kept = False
        self._sealer = sealer

    def keep(self, status: int, data: Any) -> None:
        assert self.row_id is not None, "a replayed request keeps nothing"
        sealed = self._sealer.encrypt(
            json.dumps({"status": status, "data": data}, cls=JSONEncoder).encode()
        )
        IdempotentRequest.objects.filter(pk=self.row_id).update(
            status=status, answer=sealed.decode()
        )
        self.kept = True

    def drop(self) -> None:
        """Forget the claim (the request failed), keeping whatever the request committed;
        in a transaction an error has broken, everything is rolled back instead."""
        if self.row_id is None:
            return
        try:
            with transaction.atomic():
                IdempotentRequest.objects.filter(pk=self.row_id).delete()
        except DatabaseError:
            transaction.set_rollback(True)


def _insert(user_id: int, key: str, request: str, now: dt.datetime) -> int | None:
    """The new claim's id, or None when the key is claimed already; waits for a claim of
    the same key that is not committed yet."""
    table = connection.ops.quote_name(IdempotentRequest._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608 (fixed names)
            "(user_id, key, request, status, answer, created_at, expires_at) "
            "VALUES (%s, %s, %s, NULL, '', %s, %s) "
            "ON CONFLICT (user_id, key) DO NOTHING RETURNING id",
            [user_id, key, request, now, now + TTL],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _claim(user_id: int, key: str, request: str, sealer: Fernet) -> Slot:
    now = timezone.now()
    # A user's expired keys go when they next use one (purge_expired for the rest).
    IdempotentRequest.objects.filter(user_id=user_id, expires_at__lte=now).delete()
    for _attempt in range(3):
        row_id = _insert(user_id, key, request, now)
        if row_id is not None:
            return Slot(row_id, None, sealer)
        found = IdempotentRequest.objects.filter(user_id=user_id, key=key).first()
        if found is None:
            continue  # purged or dropped meanwhile: claim it again
        if found.request != request or found.status is None:
            raise key_reused()
        try:
            answer = json.loads(sealer.decrypt(found.answer.encode()))
        except InvalidToken:
            raise key_reused() from None  # never: the request's hash names the credential
        return Slot(None, Stored(int(answer["status"]), answer["data"]), sealer)
    raise key_reused()  # the key kept changing hands under us


@contextmanager
def claimed(
    *, user_id: int, key: str, credential: str, request: str, payload: object
) -> Iterator[Slot]:
    """Claim `key` for `user_id` around one request (`request` names it: method and path,
    or stream and action; `payload` is its body). The caller runs the request only if
    `slot.replay` is None, and calls `slot.keep(status, data)` on success."""
    if not frames.valid_key(key):
        raise key_invalid()
    digest = _mac("key", key)
    asked = _mac("request", key, credential, request, _canonical(payload))
    error: Exception | None = None
    with transaction.atomic():
        slot = _claim(user_id, digest, asked, _sealer(key, credential))
        try:
            yield slot
        except Exception as exc:
            # Commit what the request committed, as it would have without a key; drop
            # only the claim, so a retry runs the request again.
            error = exc
            slot.drop()
        else:
            if slot.replay is None and not slot.kept:
                slot.drop()
    if error is not None:
        raise error


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete expired keys of every user (for a periodic job); the number deleted."""
    deleted, _kinds = IdempotentRequest.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted


# -- the socket ---------------------------------------------------------------------------


def socket_credential(scope: dict[str, Any]) -> str:
    """What the socket authenticated with: its API token, or its session."""
    if scope.get("auth_via") == "token":
        from realtime.auth import TOKEN_PREFIX

        tokens = [p for p in scope.get("subprotocols", []) if p.startswith(TOKEN_PREFIX)]
        return f"token:{tokens[0][len(TOKEN_PREFIX) :]}" if tokens else "token:"
    return f"session:{scope.get('session_key') or ''}"


def do_once(
    call: Callable[[], T], *, user_id: int, scope: dict[str, Any], request: frames.Do
) -> T | Any:
    """A socket `do` with a `key`: `call()` once; a retry gets the first `ok` data."""
    assert request.key is not None
    with claimed(
        user_id=user_id,
        key=request.key,
        credential=socket_credential(scope),
        request=f"do {request.stream} {request.action}",
        payload=request.data,
    ) as slot:
        if slot.replay is not None:
            return slot.replay.data
        result = call()
        # Kept as the client will read it (the frame is JSON).
        slot.keep(200, json.loads(frames.encode({"data": result}))["data"])
        return result


# -- the REST API -------------------------------------------------------------------------


def _rest_credential(request: Request) -> str:
    if isinstance(request.auth, Token):
        return f"token:{request.auth.key}"
    session = getattr(request, "session", None)
    return f"session:{getattr(session, 'session_key', None) or ''}"


def _file(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return f"file:{upload.name}:{upload.size}:{digest.hexdigest()}"


def _rest_payload(request: Request) -> object:
    data = request.data
    if not hasattr(data, "lists"):  # JSON
        return data
    return {
        name: [_file(v) if isinstance(v, UploadedFile) else v for v in values]
        for name, values in data.lists()
    }


def _header_key(value: str) -> str:
    # A Structured Field string is quoted ("..."); most clients send the bare token.
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not frames.valid_key(value):
        raise key_invalid()
    return value


Handler = Callable[..., Response]


def idempotent(handler: Handler) -> Handler:
    """Decorate an APIView's creating `post`: with an `Idempotency-Key` header, the first
    success answer is given again to a retry (with `Idempotent-Replayed: true`)."""

    @functools.wraps(handler)
    def post(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        header = request.headers.get(HEADER)
        if header is None or not request.user.is_authenticated:
            return handler(view, request, *args, **kwargs)
        with claimed(
            user_id=request.user.pk,
            key=_header_key(header),
            credential=_rest_credential(request),
            request=f"{request.method} {request.get_full_path()}",
            payload=_rest_payload(request),
        ) as slot:
            if slot.replay is not None:
                replayed = Response(slot.replay.data, status=slot.replay.status)
                replayed[REPLAYED_HEADER] = "true"
                # It may hold a receipt or a household code: no cache keeps it.
                replayed["Cache-Control"] = "no-store"
                return replayed
            response = handler(view, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                slot.keep(response.status_code, response.data)
            return response

    post.idempotent = True  # type: ignore[attr-defined]  # tests/realtime: every creating POST
    described = extend_schema(parameters=[KEY_PARAMETER])(post)
    return cast(Handler, described)


KEY_PARAMETER: Final = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="A unique key per request (16 to 64 printable ASCII characters, e.g. a UUID). "
    "A retry with the same key within 24 hours gets the first success answer again "
    "(`Idempotent-Replayed: true`); the same key with another request: 422 "
    "`idempotency_key_reused`.",
)
