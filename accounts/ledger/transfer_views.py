"""Pages to import the committee's spreadsheet and to export the ledger. Thin: each request
is one service call of accounts.ledger.transfer; its errors become the page's."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access
from accounts.access import acting_user
from accounts.auth import mfa
from accounts.ledger import selectors, transfer
from accounts.ledger.views import guarded
from accounts.models import Neighborhood
from accounts.permissions import Perm
from core.errors import DomainError

IMPORT_PAGE = "accounts/ledger_transfer/import.html"
EXPORT_PAGE = "accounts/ledger_transfer/export.html"


def _place(request: HttpRequest, neighborhood_id: int, perm: Perm) -> Neighborhood:
    return selectors.ledger_place(
        user=acting_user(request), neighborhood_id=neighborhood_id, perm=perm
    )


def attachment(filename: str, content_type: str, content: bytes) -> HttpResponse:
    """The file as a download; the name survives in Chinese (RFC 6266 filename*)."""
    response = HttpResponse(content, content_type=content_type)
    fallback = "ledger." + filename.rsplit(".", 1)[-1]
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["Cache-Control"] = "no-store"
    return response


def _upload(request: HttpRequest) -> tuple[str, bytes] | None:
    upload = request.FILES.get("file")
    if upload is None:
        return None
    # One byte past the cap is enough for the service to refuse the size.
    return upload.name or "", upload.read(transfer.MAX_BYTES + 1)


@guarded
@require_http_methods(["GET", "POST"])
def ledger_import(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    """GET: the upload form. POST: the dry run's report; a clean file is kept for an hour
    so that 确认导入 needs only its token."""
    place = _place(request, neighborhood_id, Perm.LEDGER_IMPORT)
    context: dict[str, Any] = {"place": place, "limit_rows": transfer.MAX_ROWS}
    if request.method == "GET":
        return render(request, IMPORT_PAGE, context)
    sent = _upload(request)
    if sent is None:
        context["error"] = _no_file()
        return render(request, IMPORT_PAGE, context, status=400)
    filename, content = sent
    try:
        report = transfer.ledger_import(
            actor=acting_user(request),
            neighborhood_id=neighborhood_id,
            filename=filename,
            content=content,
            dry_run=True,
        )
    except DomainError as exc:
        context["error"] = exc.render()
        return render(request, IMPORT_PAGE, context, status=400)
    context["report"] = report
    if report.ok:
        context["token"] = transfer.import_stage(
            actor=acting_user(request),
            neighborhood_id=neighborhood_id,
            filename=filename,
            content=content,
        )
    return render(request, IMPORT_PAGE, context, status=200 if report.ok else 400)


def _no_file() -> str:
    from django.utils.translation import gettext

    return gettext("Please choose the spreadsheet file (.xlsx or .csv).")


@guarded
@require_POST
def ledger_import_confirm(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    place = _place(request, neighborhood_id, Perm.LEDGER_IMPORT)
    context: dict[str, Any] = {"place": place, "limit_rows": transfer.MAX_ROWS}
    try:
        filename, content = transfer.import_take(
            actor=acting_user(request),
            neighborhood_id=neighborhood_id,
            token=request.POST.get("token", ""),
        )
        report = transfer.ledger_import(
            actor=acting_user(request),
            neighborhood_id=neighborhood_id,
            filename=filename,
            content=content,
            dry_run=False,
        )
    except transfer.ImportInvalid as exc:  # the ledger changed since the dry run
        context.update(report=exc.report, error=exc.render())
        return render(request, IMPORT_PAGE, context, status=400)
    except DomainError as exc:
        context["error"] = exc.render()
        return render(request, IMPORT_PAGE, context, status=400)
    return render(request, "accounts/ledger_transfer/done.html", {"place": place, "report": report})


@guarded
@require_GET
def ledger_import_template(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    try:
        filename, content_type, content = transfer.template_file(
            actor=acting_user(request),
            neighborhood_id=neighborhood_id,
            fmt=request.GET.get("format", "xlsx"),
        )
    except DomainError as exc:
        if exc.code != "invalid_format":
            raise
        return HttpResponse(exc.render(), status=400, content_type="text/plain; charset=utf-8")
    return attachment(filename, content_type, content)


@guarded
@require_http_methods(["GET", "POST"])
def ledger_export(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    """GET with ?format=csv|xlsx (and the ledger's filters): the masked file. GET without a
    format: the export page. POST (secretaries): the full file, for the reason given."""
    user = acting_user(request)
    place = _place(request, neighborhood_id, Perm.LEDGER_EXPORT)
    context: dict[str, Any] = {
        "place": place,
        "may_full": access.may(user, Perm.LEDGER_EXPORT_FULL, neighborhood_id),
        "querystring": "",
    }
    full = request.method == "POST"
    fmt = (request.POST if full else request.GET).get("format", "")
    try:
        spec = selectors.filter_from(selectors.params_of(request.GET))
        context["querystring"] = selectors.querystring(spec)
        if not fmt and not full:
            return render(request, EXPORT_PAGE, context)
        back = reverse("ledger_export", args=[neighborhood_id])
        if (first := mfa.page_gate(request, back)) is not None:
            return first
        filename, content_type, content = transfer.ledger_export(
            actor=user,
            neighborhood_id=neighborhood_id,
            spec=spec,
            fmt=fmt,
            full=full,
            reason=request.POST.get("reason", "") if full else "",
        )
    except DomainError as exc:
        if exc.http_status != 400:
            raise
        context["error"] = exc.render()
        return render(request, EXPORT_PAGE, context, status=400)
    return attachment(filename, content_type, content)
