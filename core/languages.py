"""The language a request asks for, read from its raw headers.

For answers given where Django's LocaleMiddleware has not run: a 413 at the ASGI edge
(config/bodylimit.py) and the WebSocket handshake (realtime/auth.py). Both pick what
LocaleMiddleware would: the language cookie, then Accept-Language, then the default.
"""

from __future__ import annotations

from django.conf import settings
from django.http.cookie import parse_cookie
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header


def language_of(cookie_header: str, accept_language: str) -> str:
    """The supported language of a request's Cookie and Accept-Language headers."""
    return supported_language(
        parse_cookie(cookie_header).get(settings.LANGUAGE_COOKIE_NAME), accept_language
    )


def supported_language(chosen: str | None, accept_language: str) -> str:
    """The first supported of `chosen` (a cookie's language) and the Accept-Language's."""
    candidates = [chosen] if chosen else []
    candidates += [lang for lang, _q in parse_accept_lang_header(accept_language)]
    for candidate in candidates:
        try:
            return translation.get_supported_language_variant(candidate)
        except LookupError:
            continue
    return str(settings.LANGUAGE_CODE)
