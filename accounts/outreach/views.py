"""Outreach pages (staff, under /committee/<nid>/outreach/)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import acting_user
from accounts.ledger import filters as ledger_filters
from accounts.models import Neighborhood, ResidentTag, Segment, Tenure
from accounts.outreach import selectors, services
from accounts.outreach.events import outreach_stream
from accounts.permissions import Perm
from core.errors import DomainError, Forbidden, NotFound
from realtime.selectors import stream_head


def _place(request: HttpRequest, neighborhood_id: int) -> Neighborhood:
    """The neighborhood, if the user may send outreach there (a 404 otherwise)."""
    try:
        access.require(acting_user(request), Perm.OUTREACH_SEND, neighborhood_id)
    except NotFound as exc:
        raise Http404 from exc
    except Forbidden as exc:
        raise Http404 from exc
    return Neighborhood.objects.get(pk=neighborhood_id)


def _forbidden_as_404(exc: DomainError) -> Http404:
    return Http404(exc.render())


@login_required
def outreach_list(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    place = _place(request, neighborhood_id)
    user = acting_user(request)
    return render(
        request,
        "accounts/outreach/list.html",
        {
            "place": place,
            "outreaches": selectors.outreaches_of(actor=user, neighborhood_id=place.pk),
            "segments": selectors.segments_of(actor=user, neighborhood_id=place.pk),
        },
    )


def _selection(
    request: HttpRequest, place: Neighborhood
) -> tuple[ledger_filters.LedgerFilter, Segment | None]:
    """The selection from the query string (ledger filters) or ?segment=<id>."""
    params = request.POST if request.method == "POST" else request.GET
    segment_key = params.get("segment", "")
    if segment_key.isdigit():
        segment = Segment.objects.filter(pk=int(segment_key), neighborhood=place).first()
        if segment is not None:
            return selectors.parse_filters(segment.filters), segment
    return selectors.parse_filters(params), None


FILTER_FIELDS = ("age_min", "age_max", "unit", "tenure", "vehicle", "verified", "child")


def _new_page(
    request: HttpRequest,
    place: Neighborhood,
    *,
    error: str = "",
    status: int = 200,
    title: str = "",
    body: str = "",
) -> HttpResponse:
    user = acting_user(request)
    spec = ledger_filters.LedgerFilter()
    segment: Segment | None = None
    preview: selectors.Preview | None = None
    filter_error = ""
    try:
        spec, segment = _selection(request, place)
        preview = selectors.preview(
            actor=user, neighborhood_id=place.pk, spec=spec, today=timezone.localdate()
        )
    except DomainError as exc:
        filter_error = exc.render()
        status = 400
    params = ledger_filters.to_params(spec)
    hidden = _hidden_fields(params)
    context: dict[str, Any] = {
        "place": place,
        "spec": spec,
        "params": params,
        "hidden": hidden,
        "segment": segment,
        "segments": selectors.segments_of(actor=user, neighborhood_id=place.pk),
        "preview": preview,
        "filter_error": filter_error,
        "error": error,
        "title_value": title,
        "body_value": body,
        "tags": ResidentTag.choices,
        "tenures": Tenure.choices,
        "buildings": place.buildings.order_by("pk"),  # as entered, as on the ledger page
        "preview_api": reverse("api-outreach-preview", args=[place.pk]),
        "query": urlencode(params, doseq=True),
    }
    return render(request, "accounts/outreach/new.html", context, status=status)


def _hidden_fields(params: dict[str, Any]) -> list[tuple[str, str]]:
    """The selection as (name, value) pairs for hidden inputs: a form carries it on."""
    return [
        (name, value)
        for name, values in params.items()
        for value in ([values] if isinstance(values, str) else values)
    ]


def _form_count(raw: str | None) -> int | None:
    """A count a form sent back (digits, bounded), else None."""
    if raw is None or not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        return None
    return int(raw)


def _confirm_page(
    request: HttpRequest,
    place: Neighborhood,
    *,
    title: str,
    body: str,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """Sending is a mass action: the page that says to how many households and residents,
    with the button that carries that number back (checked again by the service)."""
    spec, segment = _selection(request, place)
    preview = selectors.preview(
        actor=acting_user(request), neighborhood_id=place.pk, spec=spec, today=timezone.localdate()
    )
    params = ledger_filters.to_params(spec)
    hidden = _hidden_fields(params)
    context: dict[str, Any] = {
        "place": place,
        "segment": segment,
        "hidden": hidden,
        "preview": preview,
        "title_value": title,
        "body_value": body,
        "error": error,
        "back": reverse("outreach_new", args=[place.pk])
        + "?"
        + (f"segment={segment.pk}" if segment else urlencode(params, doseq=True)),
    }
    return render(request, "accounts/outreach/confirm.html", context, status=status)


@login_required
def outreach_new(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    place = _place(request, neighborhood_id)
    if request.method != "POST":
        return _new_page(request, place)
    title = request.POST.get("title", "")
    body = request.POST.get("body", "")
    try:
        spec, segment = _selection(request, place)
        outreach = services.outreach_send(
            actor=acting_user(request),
            neighborhood_id=place.pk,
            spec=None if segment is not None else spec,
            segment_id=segment.pk if segment is not None else None,
            title=title,
            body=body,
            confirm=_form_count(request.POST.get("confirm")),
            needs_confirmation=True,
        )
    except DomainError as exc:
        if exc.code == "confirmation_required":  # first say how many it goes to
            return _confirm_page(request, place, title=title, body=body)
        if exc.code == "stale_confirmation":  # the numbers changed: show today's
            return _confirm_page(
                request, place, title=title, body=body, error=exc.render(), status=409
            )
        return _new_page(request, place, error=exc.render(), status=400, title=title, body=body)
    messages.success(request, _("The notice is on its way."))
    return redirect("outreach_detail", neighborhood_id=place.pk, outreach_id=outreach.pk)


@login_required
@require_POST
def segment_create(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    place = _place(request, neighborhood_id)
    try:
        spec = selectors.parse_filters(request.POST)
        segment = services.segment_create(
            actor=acting_user(request),
            neighborhood_id=place.pk,
            name=request.POST.get("segment_name", ""),  # "name" is a ledger filter
            spec=spec,
        )
    except DomainError as exc:
        messages.error(request, exc.render())
        query = urlencode(ledger_filters.to_params(_safe_spec(request)), doseq=True)
        return redirect(reverse("outreach_new", args=[place.pk]) + (f"?{query}" if query else ""))
    messages.success(request, _("Segment saved."))
    return redirect(reverse("outreach_new", args=[place.pk]) + f"?segment={segment.pk}")


def _safe_spec(request: HttpRequest) -> ledger_filters.LedgerFilter:
    try:
        return selectors.parse_filters(request.POST)
    except DomainError:
        return ledger_filters.LedgerFilter()


@login_required
@require_POST
def segment_delete(request: HttpRequest, neighborhood_id: int, segment_id: int) -> HttpResponse:
    place = _place(request, neighborhood_id)
    if not Segment.objects.filter(pk=segment_id, neighborhood=place).exists():
        raise Http404
    services.segment_delete(actor=acting_user(request), segment_id=segment_id)
    messages.success(request, _("Segment deleted."))
    return redirect("outreach_list", neighborhood_id=place.pk)


def _outreach(request: HttpRequest, neighborhood_id: int, outreach_id: int) -> Any:
    place = _place(request, neighborhood_id)
    try:
        found = selectors.outreach_for_staff(actor=acting_user(request), outreach_id=outreach_id)
    except DomainError as exc:
        raise _forbidden_as_404(exc) from exc
    if found.neighborhood_id != place.pk:
        raise Http404
    return place, found


@login_required
def outreach_detail(request: HttpRequest, neighborhood_id: int, outreach_id: int) -> HttpResponse:
    place, found = _outreach(request, neighborhood_id, outreach_id)
    # The seq before the counts: the live feed resumes from it with no gap.
    seq = stream_head(outreach_stream(found.pk))
    counts = selectors.outreach_counts(found)
    return render(
        request,
        "accounts/outreach/detail.html",
        {
            "place": place,
            "outreach": found,
            "counts": counts,
            "seq": seq,
            "stream": outreach_stream(found.pk),
        },
    )
