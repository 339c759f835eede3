"""Pages of the ledger for the committee, and the aggregates page for admins. Thin: each
request is one selector or one service, and the errors they raise become the page's."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import acting_user
from accounts.auth import mfa
from accounts.ledger import owners, selectors, services
from accounts.ledger.filters import LedgerFilter
from accounts.models import ResidentTag, Tenure
from core.errors import DomainError, Forbidden, NotFound

View = Callable[..., HttpResponse]

# Questions the committee asks every week, as ready-made filters.
QUICK_QUESTIONS = (
    ("age_min=90", gettext_lazy("People aged 90 and over")),
    ("vehicle=yes", gettext_lazy("Car owners: parking spaces needed")),
    ("tag=living_alone&age_min=60", gettext_lazy("Older people living alone")),
    ("verified=no", gettext_lazy("Residents not yet verified")),
    ("child=yes", gettext_lazy("Children under 14")),
)


def guarded(view: View) -> View:
    """Login first; then not_found is a 404 page and forbidden a 403 page."""

    @wraps(view)
    @login_required
    def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404 from exc
        except Forbidden as exc:
            raise PermissionDenied(exc.render()) from exc

    return inner


def _tag_choices() -> list[tuple[str, Any]]:
    return list(ResidentTag.choices)


# The ledger: filters, numbers, residents ---------------------------------------------------


@guarded
def ledger(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    user = acting_user(request)
    place = selectors.ledger_place(user=user, neighborhood_id=neighborhood_id)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "place": place,
        "buildings": selectors.buildings(neighborhood_id=neighborhood_id),
        "tag_choices": _tag_choices(),
        "tenure_choices": list(Tenure.choices),
        "questions": QUICK_QUESTIONS,
        "perms": access.perms_at(user, neighborhood_id),
        "spec": LedgerFilter(),
        "raw": request.GET,
    }
    try:
        spec = selectors.filter_from(selectors.params_of(request.GET))
    except DomainError as exc:
        context["filter_error"] = exc.render()
        return render(request, "accounts/ledger/ledger.html", context, status=400)
    page_text = request.GET.get("page", "1")
    page = (
        int(page_text) if page_text.isascii() and page_text.isdigit() and len(page_text) < 7 else 1
    )
    context.update(
        spec=spec,
        querystring=selectors.querystring(spec),
        summary=selectors.ledger_summary(
            user=user, neighborhood_id=neighborhood_id, spec=spec, today=today
        ),
        page=selectors.resident_page(
            user=user, neighborhood_id=neighborhood_id, spec=spec, today=today, page=max(page, 1)
        ),
    )
    return render(request, "accounts/ledger/ledger.html", context)


# One resident ------------------------------------------------------------------------------


def _resident_context(
    request: HttpRequest, neighborhood_id: int, resident_id: int
) -> dict[str, Any]:
    user = acting_user(request)
    detail = selectors.resident_detail(
        user=user, resident_id=resident_id, today=timezone.localdate()
    )
    if detail.neighborhood_id != neighborhood_id:
        raise NotFound(_("Not found."))
    row = detail.row
    return {
        "place": selectors.ledger_place(user=user, neighborhood_id=neighborhood_id),
        "detail": detail,
        "person": row,
        "history": selectors.resident_history(user=user, resident_id=resident_id),
        "perms": access.perms_at(user, neighborhood_id),
        "tag_choices": _tag_choices(),
        "form": {
            "real_name": row.real_name,
            "birth_date": "",  # not shown: an empty box keeps the date on file
            "vehicles": " ".join(row.vehicles),
            "tags": row.tags,
            "guardian_consent": row.guardian_consent,
            "left": row.left,
        },
    }


@guarded
def resident(request: HttpRequest, neighborhood_id: int, resident_id: int) -> HttpResponse:
    context = _resident_context(request, neighborhood_id, resident_id)
    return render(request, "accounts/ledger/resident.html", context)


def _resident_changes(post: Any) -> dict[str, Any]:
    """The edit form as the service's changes; an empty phone or birth date box keeps the
    value on file (neither is shown in the form)."""
    changes: dict[str, Any] = {
        "real_name": post.get("real_name", ""),
        "vehicles": post.get("vehicles", ""),
        "tags": post.getlist("tags"),
        "guardian_consent": "guardian_consent" in post,
        "left": "left" in post,
    }
    if post.get("birth_date", "").strip():
        changes["birth_date"] = post["birth_date"]
    if post.get("clear_phone"):
        changes["phone"] = ""
    elif post.get("phone", "").strip():
        changes["phone"] = post["phone"]
    return changes


@require_POST
@guarded
def resident_edit(request: HttpRequest, neighborhood_id: int, resident_id: int) -> HttpResponse:
    context = _resident_context(request, neighborhood_id, resident_id)
    try:
        services.resident_update(
            actor=acting_user(request),
            resident_id=resident_id,
            changes=_resident_changes(request.POST),
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        context["edit_error"] = exc.render()
        context["form"] = {
            "real_name": request.POST.get("real_name", ""),
            "birth_date": request.POST.get("birth_date", ""),
            "vehicles": request.POST.get("vehicles", ""),
            "tags": request.POST.getlist("tags"),
            "guardian_consent": "guardian_consent" in request.POST,
            "left": "left" in request.POST,
        }
        return render(request, "accounts/ledger/resident.html", context, status=400)
    messages.success(request, _("Saved."))
    return redirect("ledger_resident", neighborhood_id=neighborhood_id, resident_id=resident_id)


@require_POST
@guarded
def resident_reveal(request: HttpRequest, neighborhood_id: int, resident_id: int) -> HttpResponse:
    """Show one full value once, on this response only: never in a URL, never cached."""
    context = _resident_context(request, neighborhood_id, resident_id)
    back = reverse("ledger_resident", args=[neighborhood_id, resident_id])
    if (first := mfa.page_gate(request, back)) is not None:
        return first
    field = request.POST.get("field", "")
    status = 200
    try:
        value = services.resident_reveal(
            actor=acting_user(request),
            resident_id=resident_id,
            field=field,
            reason=request.POST.get("reason", ""),
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        context["reveal_error"] = {"field": field, "message": exc.render()}
        status = 400
    else:
        context["revealed"] = {"field": field, "value": value}
    response = render(request, "accounts/ledger/resident.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


# One household ------------------------------------------------------------------------------


def _household_context(
    request: HttpRequest, neighborhood_id: int, household_id: int
) -> dict[str, Any]:
    user = acting_user(request)
    detail = selectors.household_detail(
        user=user, household_id=household_id, today=timezone.localdate()
    )
    if detail.neighborhood_id != neighborhood_id:
        raise NotFound(_("Not found."))
    return {
        "place": selectors.ledger_place(user=user, neighborhood_id=neighborhood_id),
        "house": detail,
        "perms": access.perms_at(user, neighborhood_id),
        "tag_choices": _tag_choices(),
        "tenure_choices": list(Tenure.choices),
        "area_value": str(detail.floor_area),
        "new": {},
        "owner": selectors.household_owner(user=user, household_id=household_id),
        "owner_candidates": [row for row in detail.residents if not row.left],
        "owner_new": {},
    }


@guarded
def household(request: HttpRequest, neighborhood_id: int, household_id: int) -> HttpResponse:
    context = _household_context(request, neighborhood_id, household_id)
    return render(request, "accounts/ledger/household.html", context)


@require_POST
@guarded
def household_edit(request: HttpRequest, neighborhood_id: int, household_id: int) -> HttpResponse:
    context = _household_context(request, neighborhood_id, household_id)
    try:
        services.household_update(
            actor=acting_user(request),
            household_id=household_id,
            floor_area=request.POST.get("floor_area", ""),
            tenure=request.POST.get("tenure", ""),
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        context["edit_error"] = exc.render()
        context["area_value"] = request.POST.get("floor_area", "")
        return render(request, "accounts/ledger/household.html", context, status=400)
    messages.success(request, _("Saved."))
    return redirect("ledger_household", neighborhood_id=neighborhood_id, household_id=household_id)


@sensitive_post_parameters("id_number")  # masked in error reports, like a password
@require_POST
@guarded
def resident_add(request: HttpRequest, neighborhood_id: int, household_id: int) -> HttpResponse:
    context = _household_context(request, neighborhood_id, household_id)
    post = request.POST
    try:
        person = services.resident_add(
            actor=acting_user(request),
            household_id=household_id,
            real_name=post.get("real_name", ""),
            id_number=post.get("id_number", ""),
            birth_date=post.get("birth_date") or None,
            phone=post.get("phone", ""),
            vehicles=post.get("vehicles", ""),
            tags=post.getlist("tags"),
            guardian_consent="guardian_consent" in post,
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        context["add_error"] = exc.render()
        # The ID number is not sent back: it appears in full nowhere but its own input.
        context["new"] = {
            "real_name": post.get("real_name", ""),
            "birth_date": post.get("birth_date", ""),
            "vehicles": post.get("vehicles", ""),
            "tags": post.getlist("tags"),
            "guardian_consent": "guardian_consent" in post,
        }
        return render(request, "accounts/ledger/household.html", context, status=400)
    messages.success(request, _("Resident added."))
    return redirect("ledger_resident", neighborhood_id=neighborhood_id, resident_id=person.pk)


# The unit's registered owner ----------------------------------------------------------------


@sensitive_post_parameters("id_number")
@require_POST
@guarded
def owner_set(request: HttpRequest, neighborhood_id: int, household_id: int) -> HttpResponse:
    """Two forms post here: a resident of the household (`resident`), or someone else by
    name and ID number. Errors come back on the household page with a 400."""
    context = _household_context(request, neighborhood_id, household_id)
    post = request.POST
    try:
        owners.ownership_set(
            actor=acting_user(request),
            household_id=household_id,
            resident_id=post.get("resident") or None,
            real_name=post.get("real_name") or None,
            id_number=post.get("id_number") or None,
            phone=post.get("phone", ""),
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        context["owner_error"] = exc.render()
        # As for a new resident, the ID number is not sent back.
        context["owner_new"] = {
            "resident": post.get("resident", ""),
            "real_name": post.get("real_name", ""),
        }
        return render(request, "accounts/ledger/household.html", context, status=400)
    messages.success(request, _("Owner saved."))
    return redirect("ledger_household", neighborhood_id=neighborhood_id, household_id=household_id)


@require_POST
@guarded
def owner_clear(request: HttpRequest, neighborhood_id: int, household_id: int) -> HttpResponse:
    # The household must belong to the neighborhood of the URL, as for every page here.
    _household_context(request, neighborhood_id, household_id)
    owners.ownership_clear(actor=acting_user(request), household_id=household_id)
    messages.success(request, _("The unit has no registered owner now."))
    return redirect("ledger_household", neighborhood_id=neighborhood_id, household_id=household_id)


# Aggregates for admins -----------------------------------------------------------------------


@guarded
def area(request: HttpRequest, subdistrict_id: int) -> HttpResponse:
    found = selectors.area_aggregates(user=acting_user(request), subdistrict_id=subdistrict_id)
    return render(request, "accounts/ledger/area.html", {"area": found, "total": found.total})
