"""MEDIA_URL served by the app itself, for the demo (`make run`) and the browser tests.

Production puts MEDIA on object storage or behind the web server (docs/deploy.md) and sets
LINLI_SERVE_MEDIA=0. Safe to serve from here because every stored file is a picture
re-encoded by core/images.py and named by its real format: the Content-Type guessed from
the name is the type of the bytes (and SecurityMiddleware adds nosniff).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.static import serve


def media(request: HttpRequest, path: str) -> HttpResponseBase:  # a file, or 304 Not Modified
    # Settings read per request (not bound at import), so tests may point MEDIA_ROOT away.
    if not settings.LINLI_SERVE_MEDIA:
        raise Http404
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))
