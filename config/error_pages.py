"""Every error answered outside DRF: {"code", "message"} JSON under /api/, the translated
error page elsewhere, in the shape the DRF exception handler (core/api_errors.py) gives.

Django's own 400/403/404/500 (handler400 etc. in config/urls.py), the input guard
(config/input_guard.py), the 503 of an exhausted pool (config/unavailable.py) and the 413
at the ASGI edge (config/bodylimit.py, before any request object exists) all answer here.
The page is frontend/error.html. Django's 400/403/404 show it in the site's layout (header,
tabs, a way back), which reads the database through the context processors; if that fails,
and always for the 500, 503 and 413 (the database may be what failed, or there is no
request yet), it is rendered standalone (frontend/bare.html). No DRF import: DRF's settings
import the input guard's parsers, which import this.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

API_PREFIX = "/api/"
JSON = "application/json"
HTML = "text/html; charset=utf-8"
LAYOUT = "frontend/base.html"

log = logging.getLogger(__name__)


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


def page_in_layout(request: HttpRequest, *, status: int, message: str | Promise) -> bytes | None:
    """The error page inside the site's layout, or None when the layout cannot be rendered
    (its context processors read the database, which may be down)."""
    context = {"status": status, "message": message, "layout": LAYOUT}
    try:
        return loader.render_to_string("frontend/error.html", context, request=request).encode()
    except Exception:  # an error page must answer: the standalone one will
        log.warning("error page %s rendered standalone", status, exc_info=True)
        return None


def error_response(
    request: HttpRequest,
    status_code: int,
    code: str,
    message: str | Promise,
    *,
    in_layout: bool = False,
) -> HttpResponse:
    """{"code", "message"} under /api/, else the translated error page; `in_layout` when
    the request went through the whole middleware (a session, a user) and may be shown the
    site's header and tabs."""
    if in_layout and not request.path.startswith(API_PREFIX):
        page = page_in_layout(request, status=status_code, message=message)
        if page is not None:
            return HttpResponse(page, status=status_code, content_type=HTML)
    language = translation.get_language() or str(settings.LANGUAGE_CODE)
    content_type, body = answer(
        path=request.path, status=status_code, code=code, message=message, language=language
    )
    return HttpResponse(body, status=status_code, content_type=content_type)


# Django's error handlers (config/urls.py) ------------------------------------------------


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(
        request, 400, "invalid", _("The request could not be understood."), in_layout=True
    )


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(request, 403, "forbidden", _("You may not do this."), in_layout=True)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(request, 404, "not_found", _("Not found."), in_layout=True)


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(request, 500, "server_error", _("Something went wrong on our side."))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF refusal (settings.CSRF_FAILURE_VIEW), in words a resident can act on:
    usually a form left open past a sign-out or a restart."""
    return error_response(
        request,
        403,
        "csrf_failed",
        _("This form has expired. Go back, reload the page and send it again."),
        in_layout=True,
    )


def method_not_allowed_page(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Django's 405 (require_POST and the like) is an empty body: a browser shows its own
    error screen, and a resident who followed a stale link or reloaded a form's address has
    no way back. Give it the translated page in the layout, keeping the Allow header."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if response.status_code != 405 or response.content or response.streaming:
            return response
        page = error_response(
            request,
            405,
            "method_not_allowed",
            _("This address is the target of a form, not a page: go back and use its button."),
            in_layout=True,
        )
        if "Allow" in response:
            page["Allow"] = response["Allow"]
        return page

    return middleware
