"""ID numbers at rest: encrypted for the rare lawful reveal, hashed for matching.

The hash is keyed (HMAC-SHA256) so a leaked table cannot be matched against a list of
ID numbers; the cipher text is Fernet so keys can rotate (MultiFernet, newest first).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def _derived(purpose: str) -> bytes:
    return hashlib.sha256(f"linli:{purpose}:{settings.SECRET_KEY}".encode()).digest()


@lru_cache(maxsize=1)
def _cipher() -> MultiFernet:
    keys = settings.LINLI_FIELD_KEYS or [base64.urlsafe_b64encode(_derived("field")).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def _hash_key() -> bytes:
    return settings.LINLI_HASH_KEY.encode() if settings.LINLI_HASH_KEY else _derived("hash")


def normalize_id_number(raw: str) -> str:
    return raw.strip().replace(" ", "").upper()


def encrypt_id_number(raw: str) -> str:
    return _cipher().encrypt(normalize_id_number(raw).encode()).decode()


def decrypt_id_number(token: str) -> str:
    return _cipher().decrypt(token.encode()).decode()


def hash_id_number(raw: str) -> str:
    return hmac.new(_hash_key(), normalize_id_number(raw).encode(), hashlib.sha256).hexdigest()


def mask_id_number(raw: str) -> str:
    """Keep the province and the last two characters: 31**************3X.

    The eight hidden middle characters are the birth date, which the ledger shows; a mask
    that also kept the district and the order code (310115********123X) gave the whole
    number back beside it. With only these four shown, a birth date still leaves over a
    hundred candidates in Shanghai alone.
    """
    value = normalize_id_number(raw)
    if len(value) <= 8:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def mask_phone(raw: str) -> str:
    digits = raw.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "****" + digits[-4:]


def mask_name(real_name: str) -> str:
    """王小明 -> 王**: how a real name appears to neighbors who are not staff."""
    return real_name[:1] + "*" * max(len(real_name) - 1, 1) if real_name else ""
