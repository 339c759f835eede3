"""Pages: import the committee's spreadsheet into the ledger, export the ledger as one."""

from django.urls import URLPattern, URLResolver, path

from accounts.ledger import transfer_views

ledger = "committee/<id:neighborhood_id>/ledger/"

urlpatterns: list[URLPattern | URLResolver] = [
    path(f"{ledger}import/", transfer_views.ledger_import, name="ledger_import"),
    path(
        f"{ledger}import/confirm/",
        transfer_views.ledger_import_confirm,
        name="ledger_import_confirm",
    ),
    path(
        f"{ledger}import/template/",
        transfer_views.ledger_import_template,
        name="ledger_import_template",
    ),
    path(f"{ledger}export/", transfer_views.ledger_export, name="ledger_export"),
]
