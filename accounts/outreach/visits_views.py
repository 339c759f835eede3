"""Door-visit pages (上门走访), under /committee/<nid>/outreach/<id>/door-visits/: the list as
cards on a phone (a form per household) and as a table on paper, the reveal of its phones,
assigning visitors. Staff and assigned visitors only; to anyone else the page does not
exist (404, as the other outreach pages)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import acting_user
from accounts.auth import mfa
from accounts.models import Outreach, VisitOutcome
from accounts.models.outreach import NOTE_MAX
from accounts.outreach import visits, visits_selectors
from accounts.outreach.visits_selectors import VisitScope
from core.converters import form_id
from core.errors import DomainError, Forbidden, NotFound


def _scope(
    request: HttpRequest, neighborhood_id: int, outreach_id: int
) -> tuple[Outreach, VisitScope]:
    try:
        found, scope = visits_selectors.visit_access(
            actor=acting_user(request), outreach_id=outreach_id
        )
    except (NotFound, Forbidden) as exc:
        raise Http404(exc.render()) from exc
    if found.neighborhood_id != neighborhood_id:
        raise Http404
    return found, scope


def _list_url(outreach: Outreach, household_id: int | None = None) -> str:
    url = reverse("outreach_door_visits", args=[outreach.neighborhood_id, outreach.pk])
    return f"{url}#h{household_id}" if household_id else url


def _page(
    request: HttpRequest,
    outreach: Outreach,
    scope: VisitScope,
    *,
    status: int = 200,
    error: dict[str, Any] | None = None,
) -> HttpResponse:
    user = acting_user(request)
    listing = visits_selectors.visit_list(
        actor=user, outreach=outreach, scope=scope, now=timezone.now()
    )
    error = dict(error or {})
    if "household" in error and error["household"] not in {c.household_id for c in listing.cards}:
        error["general"] = error["message"]  # no card to show it on
    context: dict[str, Any] = {
        "place": outreach.neighborhood,
        "outreach": outreach,
        "scope": scope,
        "listing": listing,
        "visits": listing.cards,
        "outcomes": VisitOutcome.choices,
        "today": timezone.localdate(),
        "sent_on": timezone.localtime(outreach.created_at).date(),
        "note_max": NOTE_MAX,
        "error": error,
    }
    if scope.may_assign:
        context["visitors"] = list(visits_selectors.visitors_of(outreach.neighborhood_id))
        context["buildings"] = sorted(
            {(card.building_id, card.address_parts[0]) for card in listing.cards}
        )
    return render(request, "accounts/outreach/door_visits.html", context, status=status)


@login_required
def door_visit_list(request: HttpRequest, neighborhood_id: int, outreach_id: int) -> HttpResponse:
    outreach, scope = _scope(request, neighborhood_id, outreach_id)
    return _page(request, outreach, scope)


@login_required
@require_POST
def door_visit_reveal(request: HttpRequest, neighborhood_id: int, outreach_id: int) -> HttpResponse:
    outreach, _scope_ = _scope(request, neighborhood_id, outreach_id)
    if (first := mfa.page_gate(request, _list_url(outreach))) is not None:
        return first
    try:
        shown = visits.door_visit_reveal(actor=acting_user(request), outreach_id=outreach.pk)
    except DomainError as exc:
        messages.error(request, exc.render())
        return redirect(_list_url(outreach))
    messages.success(
        request,
        _("Phones shown for %(households)s households; this reveal is recorded.")
        % {"households": shown.households},
    )
    return redirect(_list_url(outreach))


@login_required
@require_POST
def door_visit_assign(request: HttpRequest, neighborhood_id: int, outreach_id: int) -> HttpResponse:
    outreach, scope = _scope(request, neighborhood_id, outreach_id)
    house = form_id(request.POST.get("household"))
    building = form_id(request.POST.get("building"))
    visitor = form_id(request.POST.get("visitor"))
    try:
        changed = visits.door_visit_assign(
            actor=acting_user(request),
            outreach_id=outreach.pk,
            visitor_id=visitor,
            household_ids=[house] if house is not None else None,
            building_id=building,
        )
    except (NotFound, Forbidden) as exc:
        raise Http404(exc.render()) from exc
    except DomainError as exc:
        return _page(request, outreach, scope, status=400, error={"assign": exc.render()})
    messages.success(request, _("%(count)s households assigned.") % {"count": changed})
    return redirect(_list_url(outreach, house))


@login_required
@require_POST
def door_visit_record(
    request: HttpRequest, neighborhood_id: int, outreach_id: int, household_id: int
) -> HttpResponse:
    outreach, scope = _scope(request, neighborhood_id, outreach_id)
    form = request.POST
    try:
        visits.door_visit_record(
            actor=acting_user(request),
            outreach_id=outreach.pk,
            household_id=household_id,
            visited_on=form.get("visited_on", ""),
            outcome=form.get("outcome", ""),
            note=form.get("note", ""),
            follow_up=form.get("follow_up", ""),
            follow_up_on=form.get("follow_up_on", ""),
        )
    except NotFound as exc:
        raise Http404(exc.render()) from exc
    except DomainError as exc:
        typed: dict[str, object] = {
            name: form.get(name, "") for name in ("visited_on", "outcome", "note", "follow_up_on")
        }
        typed["follow_up"] = bool(form.get("follow_up"))
        error = {"household": household_id, "message": exc.render(), "typed": typed}
        return _page(
            request, outreach, scope, status=400 if exc.http_status == 400 else 403, error=error
        )
    messages.success(request, _("Visit recorded."))
    return redirect(_list_url(outreach, household_id))
