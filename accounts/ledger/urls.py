"""Pages of the ledger (台账) for the committee, and the area aggregates for admins."""

from django.urls import URLPattern, URLResolver, path

from accounts.ledger import views

ledger = "committee/<id:neighborhood_id>/ledger/"

urlpatterns: list[URLPattern | URLResolver] = [
    path(ledger, views.ledger, name="ledger"),
    path(f"{ledger}residents/<id:resident_id>/", views.resident, name="ledger_resident"),
    path(
        f"{ledger}residents/<id:resident_id>/edit/",
        views.resident_edit,
        name="ledger_resident_edit",
    ),
    path(
        f"{ledger}residents/<id:resident_id>/reveal/",
        views.resident_reveal,
        name="ledger_resident_reveal",
    ),
    path(f"{ledger}households/<id:household_id>/", views.household, name="ledger_household"),
    path(
        f"{ledger}households/<id:household_id>/edit/",
        views.household_edit,
        name="ledger_household_edit",
    ),
    path(
        f"{ledger}households/<id:household_id>/residents/new/",
        views.resident_add,
        name="ledger_resident_add",
    ),
    path(
        f"{ledger}households/<id:household_id>/owner/",
        views.owner_set,
        name="ledger_owner_set",
    ),
    path(
        f"{ledger}households/<id:household_id>/owner/clear/",
        views.owner_clear,
        name="ledger_owner_clear",
    ),
    path("area/<id:subdistrict_id>/", views.area, name="area_aggregates"),
]
