"""allauth raises RateLimited from inside a flow (the code texted after sign-up), where
its views' own 429 does not reach; without this the person saw a 500."""

from __future__ import annotations

from collections.abc import Callable

from allauth.core.exceptions import RateLimited
from allauth.core.internal.ratelimit import respond_429
from django.http import HttpRequest, HttpResponse


def rate_limited_as_429(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        return get_response(request)

    def process_exception(request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return respond_429(request) if isinstance(exception, RateLimited) else None

    middleware.process_exception = process_exception  # type: ignore[attr-defined]
    return middleware
