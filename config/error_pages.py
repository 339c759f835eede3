"""Errors outside DRF: {"code", "message"} JSON under /api/, a translated page elsewhere.

Django's own 400/403/404/500 (handler400 etc. in config/urls.py: an unknown URL, a request
Django itself refused, a crash) and the input guard at the edge (config/input_guard.py)
answer here, in the shape the DRF exception handler (core/api_errors.py) gives API errors.
No DRF import: DRF's settings import the input guard's parsers, which import this.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

API_PREFIX = "/api/"


def error_response(
    request: HttpRequest, status_code: int, code: str, message: str | Promise
) -> HttpResponse:
    """{"code", "message"} under /api/, else the translated error page."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"code": code, "message": str(message)}, status=status_code)
    # No request context: the page must render even when the database is what failed.
    page = loader.get_template("frontend/error.html").render(
        {"status": status_code, "message": message}
    )
    return HttpResponse(page, status=status_code)


# Django's error handlers (config/urls.py) ------------------------------------------------


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(request, 400, "invalid", _("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(request, 403, "forbidden", _("You may not do this."))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(request, 404, "not_found", _("Not found."))


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(request, 500, "server_error", _("Something went wrong on our side."))
