from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView

from config.media import media
from core.converters import IdConverter
from realtime.health import healthz

# Before the includes below import the apps' URL modules, which use <id:...>.
register_converter(IdConverter, "id")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Sign-up, codes by SMS, phone change, password (django-allauth; accounts/auth).
    path("accounts/", include("allauth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/", include("forum.api_urls")),
    path("api/v1/", include("accounts.api_urls")),
    path("api/v1/", include("voting.api_urls")),
    path("api/v1/", include("moderation.api_urls")),
    path("", include("accounts.urls")),
    path("", include("voting.urls")),
    path("", include("moderation.urls")),
    path("", include("moderation.minutes_urls")),
    path("", include("frontend.urls")),
]

# Avatars and photos from MEDIA_ROOT when LINLI_SERVE_MEDIA is on (config/media.py).
urlpatterns.append(re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$", media))

# Django's own errors: JSON {"code", "message"} under /api/, a translated page elsewhere;
# a request that found the database pool exhausted gets 503, not 500 (config/unavailable.py).
handler400 = "config.error_pages.bad_request"
handler403 = "config.error_pages.permission_denied"
handler404 = "config.error_pages.page_not_found"
handler500 = "config.unavailable.server_error"
