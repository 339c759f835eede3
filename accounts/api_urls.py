from django.urls import include, path

urlpatterns = [
    path("", include("accounts.roles.api_urls")),
    path("", include("accounts.verification.api_urls")),
    path("", include("accounts.ledger.api_urls")),
    path("", include("accounts.ledger.io_api_urls")),
    path("", include("accounts.outreach.api_urls")),
    path("", include("accounts.notifications.api_urls")),
]
