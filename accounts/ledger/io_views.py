"""Pages to import and export the ledger spreadsheet (stubs until the real views land)."""

from django.http import Http404, HttpRequest, HttpResponse


def ledger_import(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    raise Http404


def ledger_export(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    raise Http404
