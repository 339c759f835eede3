"""The ledger's REST API, relative to /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from accounts.ledger import api

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "neighborhoods/<id:neighborhood_id>/ledger/summary/",
        api.LedgerSummaryApi.as_view(),
        name="api_ledger_summary",
    ),
    path(
        "neighborhoods/<id:neighborhood_id>/ledger/residents/",
        api.ResidentListApi.as_view(),
        name="api_ledger_residents",
    ),
    path(
        "ledger/residents/<id:resident_id>/",
        api.ResidentDetailApi.as_view(),
        name="api_ledger_resident",
    ),
    path(
        "ledger/residents/<id:resident_id>/reveal/",
        api.ResidentRevealApi.as_view(),
        name="api_ledger_resident_reveal",
    ),
    path(
        "ledger/residents/<id:resident_id>/history/",
        api.ResidentHistoryApi.as_view(),
        name="api_ledger_resident_history",
    ),
    path(
        "ledger/households/<id:household_id>/",
        api.HouseholdDetailApi.as_view(),
        name="api_ledger_household",
    ),
    path(
        "ledger/households/<id:household_id>/residents/",
        api.HouseholdResidentAddApi.as_view(),
        name="api_ledger_household_residents",
    ),
    path(
        "ledger/households/<id:household_id>/owner/",
        api.HouseholdOwnerApi.as_view(),
        name="api_ledger_household_owner",
    ),
    path(
        "subdistricts/<id:subdistrict_id>/aggregates/",
        api.AreaAggregatesApi.as_view(),
        name="api_area_aggregates",
    ),
]
