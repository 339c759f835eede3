"""The ledger's import and export API, relative to /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from accounts.ledger import transfer_api

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "neighborhoods/<id:neighborhood_id>/ledger/import/",
        transfer_api.LedgerImportApi.as_view(),
        name="api_ledger_import",
    ),
    path(
        "neighborhoods/<id:neighborhood_id>/ledger/export/",
        transfer_api.LedgerExportApi.as_view(),
        name="api_ledger_export",
    ),
]
