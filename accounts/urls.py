"""Pages of the accounts app: verification, the committee's ledger, outreach, notifications."""

from django.urls import include, path

from accounts import views

urlpatterns = [
    path("committee/", views.committee_home, name="committee_home"),
    path("committee/<id:neighborhood_id>/", views.committee, name="committee"),
    path("committee/<id:neighborhood_id>/roles/", views.roles_page, name="roles"),
    path(
        "committee/<id:neighborhood_id>/roles/<id:grant_id>/revoke/",
        views.role_revoke,
        name="role_revoke",
    ),
    path("", include("accounts.verification.urls")),
    path("", include("accounts.ledger.urls")),
    path("", include("accounts.ledger.io_urls")),
    path("", include("accounts.outreach.urls")),
    path("", include("accounts.notifications.urls")),
]
