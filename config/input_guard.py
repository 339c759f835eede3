"""Hostile input refused at the HTTP edge, before any view runs.

Why here and not only in the services: a NUL reached PostgreSQL through a query parameter
or a form field that no service cleaned (a 500), and JSON nested 5,000 deep made the
parser itself raise RecursionError. So every query parameter, form field (names too) and
JSON string is checked with core.text's rule, and JSON nesting is bounded before it is
parsed. Under /api/ the answer is 400 {"code", "message"}; a page gets a translated error
page. The codes: `control_character`, `invalid_text`, `too_deep` (core/cleaning.py).
Services still clean their own text (defence in depth: they are called from three
adapters and from commands).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from config import error_pages
from core import jsondepth, text
from core.cleaning import MESSAGES


def first_refusal(values: Iterable[str]) -> str | None:
    """The code of the first refused string among `values`, or None."""
    for value in values:
        refused = text.refusal(value)
        if refused is not None:
            return refused.code
    return None


def _fields(data: MultiValueDict[str, Any]) -> Iterable[str]:
    for key, values in data.lists():
        yield key
        yield from (value for value in values if isinstance(value, str))


class RefuseBadInput:
    """Middleware: query parameters, and the form fields of pages, are checked before any
    view. API bodies are left to the DRF parsers below: reading a form here would make DRF
    take it as an empty form, where a JSON-only endpoint answers 415."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = first_refusal(_fields(request.GET))
        api = request.path.startswith(error_pages.API_PREFIX)
        if code is None and not api and request.method == "POST" and _is_form(request):
            try:
                code = first_refusal(_fields(request.POST))
            except MultiPartParserError:
                # Django's parser keeps nothing of a broken body; answered here, in the
                # shape, before a view would meet an empty form.
                return error_pages.error_response(
                    request, 400, "invalid", _("The form data could not be read.")
                )
        if code is not None:
            return error_pages.error_response(request, 400, code, MESSAGES[code])
        return self.get_response(request)


def _is_form(request: HttpRequest) -> bool:
    return request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")


def _refuse(code: str) -> ParseError:
    return ParseError(MESSAGES[code], code=code)


def _check(strings: Any) -> None:
    """Raise the parse error of the first refused string, if any."""
    code = first_refusal(strings)
    if code is not None:
        raise _refuse(code)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the nesting bounded and every string checked."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        encoding = parsers.get_encoding(parser_context or {})
        try:
            body = codecs.getreader(encoding)(stream).read()
            data = jsondepth.loads(body)
        except jsondepth.TooDeep:
            raise _refuse(jsondepth.TOO_DEEP) from None
        except ValueError as exc:  # broken JSON, bad encoding, an int of 5,000 digits
            message = _("The JSON could not be read: %(reason)s") % {"reason": exc}
            raise ParseError(message) from None
        _check(jsondepth.strings(data))
        return data


class FormParser(parsers.FormParser):
    """For PUT and PATCH bodies, which the middleware (POST only) does not see."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> QueryDict:
        data: QueryDict = super().parse(stream, media_type, parser_context)
        _check(_fields(data))
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        result = super().parse(stream, media_type, parser_context)
        _check(_fields(result.data))
        return result
