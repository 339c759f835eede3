"""handler500, which tells "no database connection to be had" apart from a bug.

A request that waited the pool's whole timeout for a connection (config/dbpool.py) did
nothing wrong and nothing broke: it gets 503 with a Retry-After, in the shape of every
error (config/error_pages.py). Django hands an exception raised anywhere in the middleware
or the view to this handler from inside its `except` block, which is where the cause is
read; everything else is the 500 of config/error_pages.py.
"""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from psycopg_pool import PoolTimeout

from config import error_pages

RETRY_AFTER_SECONDS = 5


def pool_exhausted(exc: BaseException | None) -> bool:
    """Is a pool timeout the cause of `exc` (Django wraps it in its OperationalError)?"""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, PoolTimeout):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def server_error(request: HttpRequest) -> HttpResponse:
    if not pool_exhausted(sys.exc_info()[1]):
        return error_pages.server_error(request)
    response = error_pages.error_response(
        request, 503, "unavailable", _("The site is busy; please try again in a moment.")
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
