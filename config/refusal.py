"""The short answers given before or instead of a view: 413 (body too large), 503 (no
database connection to be had).

An API client gets the {"code", "message"} shape of every API error; a browser a short
page in its language. Neither renders a template or touches the database: the page
templates' context needs the database, and the database may be what is missing.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http.cookie import parse_cookie
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation.trans_real import parse_accept_lang_header

API_PREFIX = "/api/"


def language_of(cookie_header: str, accept_language: str) -> str:
    """The supported language a request asks for: its language cookie, then its
    Accept-Language, then the default (what LocaleMiddleware would pick)."""
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


def render(*, path: str, code: str, message: str, language: str) -> tuple[str, bytes]:
    """(content type, body) of a refusal of a request for `path`."""
    if path.startswith(API_PREFIX):
        payload = {"code": code, "message": message}
        return "application/json", json.dumps(payload, ensure_ascii=False).encode()
    page = format_html(
        '<!doctype html><html lang="{}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>{}</title></head><body><p>{}</p></body></html>",
        language,
        message,
        message,
    )
    return "text/html; charset=utf-8", page.encode()
