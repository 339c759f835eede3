from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from realtime.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/", include("forum.api_urls")),
    path("api/v1/", include("accounts.api_urls")),
    path("", include("accounts.urls")),
    path("", include("frontend.urls")),
]
