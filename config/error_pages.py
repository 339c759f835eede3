"""Every error answered outside DRF: {"code", "message"} JSON under /api/, the translated
error page elsewhere, in the shape the DRF exception handler (core/api_errors.py) gives.

Django's own 400/403/404/500 (handler400 etc. in config/urls.py), the input guard
(config/input_guard.py), the 503 of an exhausted pool (config/unavailable.py) and the 413
at the ASGI edge (config/bodylimit.py, before any request object exists) all answer here.
The page is frontend/error.html, rendered without a request context: it must render even
when the database is what failed. No DRF import: DRF's settings import the input guard's
parsers, which import this.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

API_PREFIX = "/api/"
JSON = "application/json"
HTML = "text/html; charset=utf-8"


def answer(
    *, path: str, status: int, code: str, message: str | Promise, language: str
) -> tuple[str, bytes]:
    """(content type, body) of an error answer to a request for `path`, in `language`."""
    with translation.override(language):
        if path.startswith(API_PREFIX):
            payload = {"code": code, "message": str(message)}
            return JSON, json.dumps(payload, ensure_ascii=False).encode()
        page = loader.get_template("frontend/error.html").render(
            {"status": status, "message": message}
        )
    return HTML, page.encode()


def error_response(
    request: HttpRequest, status_code: int, code: str, message: str | Promise
) -> HttpResponse:
    """{"code", "message"} under /api/, else the translated error page."""
    language = translation.get_language() or str(settings.LANGUAGE_CODE)
    content_type, body = answer(
        path=request.path, status=status_code, code=code, message=message, language=language
    )
    return HttpResponse(body, status=status_code, content_type=content_type)


# Django's error handlers (config/urls.py) ------------------------------------------------


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(request, 400, "invalid", _("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(request, 403, "forbidden", _("You may not do this."))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(request, 404, "not_found", _("Not found."))


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(request, 500, "server_error", _("Something went wrong on our side."))
