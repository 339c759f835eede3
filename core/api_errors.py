"""DRF exception handler: domain errors and DRF's own errors share one shape,
{"code", "message"} (plus a validation error's fields). Django's own errors answer in the
same shape from config/error_pages.py; the codes are documented in docs/architecture.md
("API errors")."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException, ErrorDetail
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.cleaning import CODES as TEXT_CODES
from core.errors import DomainError

# DRF's own codes, renamed where the project already had a word for the same thing.
DRF_CODES = {"permission_denied": "forbidden", "throttled": "rate_limited"}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"code": exc.code, "message": exc.render()}, status=exc.http_status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django's handler500 answers, in the shape
    data = response.data
    extra = data if isinstance(data, dict) else {"errors": data}
    response.data = {
        **extra,
        "code": _code_of(exc, response.status_code),
        "message": _first_message(data),
    }
    return response


def _code_of(exc: Exception, status_code: int) -> str:
    detail = getattr(exc, "detail", None)
    if isinstance(detail, ErrorDetail) and detail.code in TEXT_CODES:
        return str(detail.code)  # refused at the parser: control_character, too_deep, ...
    if status_code == status.HTTP_400_BAD_REQUEST:
        return "invalid"
    code = str(getattr(exc, "default_code", "") or APIException.default_code)
    return DRF_CODES.get(code, code)


def _first_message(data: Any) -> str:
    if isinstance(data, dict):
        for value in data.values():
            return _first_message(value)
    if isinstance(data, list) and data:
        return _first_message(data[0])
    return str(data)
