"""Pages: import the committee's spreadsheet into the ledger, export the ledger as one."""

from django.urls import URLPattern, URLResolver, path

from accounts.ledger import io_views

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "committee/<int:neighborhood_id>/ledger/import/",
        io_views.ledger_import,
        name="ledger_import",
    ),
    path(
        "committee/<int:neighborhood_id>/ledger/export/",
        io_views.ledger_export,
        name="ledger_export",
    ),
]
