"""Pages of the accounts app: verification, the committee's ledger, outreach, notifications."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.places.urls")),
    path("", include("accounts.roles.urls")),
    path("", include("accounts.verification.urls")),
    path("", include("accounts.ledger.urls")),
    path("", include("accounts.ledger.io_urls")),
    path("", include("accounts.outreach.urls")),
    path("", include("accounts.notifications.urls")),
    path("", include("accounts.elder.urls")),
    path("", include("accounts.profile.urls")),
    path("", include("accounts.auth.urls")),
]
