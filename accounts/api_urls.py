from django.urls import include, path

from accounts import api

urlpatterns = [
    path("neighborhoods/<id:neighborhood_id>/roles/", api.RoleListApi.as_view(), name="api-roles"),
    path("roles/<id:grant_id>/", api.RoleDetailApi.as_view(), name="api-role"),
    path("", include("accounts.verification.api_urls")),
    path("", include("accounts.ledger.api_urls")),
    path("", include("accounts.ledger.io_api_urls")),
    path("", include("accounts.outreach.api_urls")),
    path("", include("accounts.notifications.api_urls")),
]
