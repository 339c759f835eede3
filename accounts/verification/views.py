"""Pages of verification: the resident's /verify/ and /household/, the committee's codes,
review queue and household members. Thin: a selector or a service per request."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import acting_user
from accounts.notifications.events import user_stream
from accounts.permissions import Perm
from accounts.verification import selectors, services
from core.converters import MAX_ID
from core.errors import DomainError, Forbidden, Invalid, NotFound
from realtime.selectors import stream_head

View = Callable[..., HttpResponse]


def _int(raw: str | None) -> int | None:
    if not raw or not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ID:
        return None
    return int(raw)


def staff_page(perm: Perm) -> Callable[[View], View]:
    """Login, then `perm` at the URL's neighborhood: 404 to outsiders, 403 to members."""

    def wrap(view: View) -> View:
        @wraps(view)
        @login_required
        def inner(request: HttpRequest, neighborhood_id: int, **kwargs: Any) -> HttpResponse:
            try:
                place = selectors.place_for(acting_user(request), perm, neighborhood_id)
                return view(request, place, **kwargs)
            except NotFound as exc:
                raise Http404 from exc
            except Forbidden as exc:
                raise PermissionDenied(exc.render()) from exc

        return inner

    return wrap


def _after_action(request: HttpRequest, action: Callable[[], object], success: str) -> None:
    """Run a service for a POSTed form; its refusal becomes a message on the next page."""
    try:
        action()
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, success)


# The resident's pages.


def _verify_context(request: HttpRequest) -> dict[str, Any]:
    user = acting_user(request)
    stream = user_stream(user.pk)
    seq = stream_head(stream)  # read before the requests, so the live feed has no gap
    return {
        "residency": selectors.active_residency(user),
        "requests": selectors.my_requests(user),
        "stream": stream,
        "seq": seq,
    }


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "")
    name = ""
    if request.method == "POST":
        code = request.POST.get("code", "")
        name = request.POST.get("real_name", "")
        try:
            residency = services.household_code_redeem(
                user=acting_user(request), code=code, real_name=name
            )
        except DomainError as exc:
            context = {**_verify_context(request), "code": code, "name": name, "error": exc}
            return render(
                request, "accounts/verification/verify.html", context, status=exc.http_status
            )
        messages.success(
            request,
            _("You are verified as a resident of %(address)s.")
            % {"address": residency.household.address},
        )
        return redirect("household")
    context = {**_verify_context(request), "code": code, "name": name}
    return render(request, "accounts/verification/verify.html", context)


@login_required
def verify_request(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    neighborhood_id = _int(source.get("neighborhood"))
    buildings = selectors.buildings_of(neighborhood_id) if neighborhood_id else []
    context: dict[str, Any] = {
        "choices": selectors.neighborhood_choices(),
        "neighborhood_id": neighborhood_id,
        "buildings": buildings,
        "form": source,
        "residency": selectors.active_residency(acting_user(request)),
    }
    if request.method == "POST":
        try:
            services.verification_request_create(
                user=acting_user(request),
                neighborhood_id=neighborhood_id or 0,
                building_id=_int(source.get("building")),
                unit=source.get("unit", ""),
                room=source.get("room", ""),
                real_name=source.get("real_name", ""),
                id_fragment=source.get("id_fragment", ""),
            )
        except DomainError as exc:
            context["error"] = exc
            return render(
                request, "accounts/verification/request.html", context, status=exc.http_status
            )
        messages.success(request, _("Your request was sent. The committee will review it."))
        return redirect("verify")
    return render(request, "accounts/verification/request.html", context)


@login_required
def household(request: HttpRequest) -> HttpResponse:
    residency = selectors.active_residency(acting_user(request))
    if residency is None:
        return redirect("verify")
    return render(
        request,
        "accounts/verification/household.html",
        {
            "residency": residency,
            "members": selectors.members(residency.household_id),
            "may_change": services.is_adult_member(acting_user(request), residency.household_id),
        },
    )


@login_required
@require_POST
def household_representative(request: HttpRequest) -> HttpResponse:
    residency = selectors.active_residency(acting_user(request))
    if residency is None:
        return redirect("verify")
    _after_action(
        request,
        lambda: services.representative_change(
            actor=acting_user(request),
            household_id=residency.household_id,
            user_id=_int(request.POST.get("user")) or 0,
        ),
        _("The household representative was changed."),
    )
    return redirect("household")


@login_required
def household_leave(request: HttpRequest) -> HttpResponse:
    residency = selectors.active_residency(acting_user(request))
    if residency is None:
        return redirect("verify")
    if request.method == "POST":
        _after_action(
            request,
            lambda: services.residency_end(
                actor=acting_user(request),
                residency_id=residency.pk,
                reason=request.POST.get("reason", ""),
            ),
            _("Your residency has ended. You can verify again at your new home."),
        )
        return redirect("verify")
    return render(request, "accounts/verification/leave.html", {"residency": residency})


# The committee's pages.


@staff_page(Perm.CODES_ISSUE)
def codes(request: HttpRequest, place: Any) -> HttpResponse:
    """The buildings with their counts; with ?building=<id>, that building's households."""
    raw = request.GET.get("building", "")
    if not raw:
        return render(
            request,
            "accounts/verification/codes.html",
            {"place": place, "buildings": selectors.codes_buildings(place.pk)},
        )
    building_id = _int(raw)
    if building_id is None:
        raise Http404
    try:
        row = selectors.codes_of_building(place.pk, building_id)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "accounts/verification/codes.html", {"place": place, "row": row})


def _codes_url(place_id: int, building_id: int | None) -> str:
    url = reverse("codes", kwargs={"neighborhood_id": place_id})
    return f"{url}?{urlencode({'building': building_id})}" if building_id else url


def _qr(url: str) -> str:
    return str(segno.make(url, error="m").svg_data_uri(scale=5, border=2))


@staff_page(Perm.CODES_ISSUE)
@require_POST
def codes_issue(request: HttpRequest, place: Any) -> HttpResponse:
    household_id = _int(request.POST.get("household"))
    building_id = _int(request.POST.get("building"))
    try:
        if household_id is not None:
            house = selectors.household_in(place.pk, household_id)
            building_id = house.building_id
            confirm = _int(request.POST.get("confirm"))
            if confirm is None and selectors.household_reissue(house).voided:
                # a live code means a printed letter that this voids: say so first
                return _reissue_confirmation(request, place, house)
            try:
                issued = [
                    services.household_code_issue(
                        actor=acting_user(request), household_id=household_id, confirm=confirm
                    )
                ]
            except Invalid as exc:  # the numbers changed since they were confirmed
                return _reissue_confirmation(request, place, house, error=exc.render(), status=409)
        elif building_id is not None:
            building = selectors.building_in(place.pk, building_id)
            confirm = _int(request.POST.get("confirm"))
            if confirm is None:  # first say what it does, in numbers
                return _reprint_confirmation(request, place, building)
            try:
                issued = services.building_codes_issue(
                    actor=acting_user(request), building_id=building_id, confirm=confirm
                )
            except Invalid as exc:  # the numbers changed since they were confirmed
                return _reprint_confirmation(
                    request, place, building, error=exc.render(), status=409
                )
        else:
            raise NotFound(_("Not found."))
    except NotFound as exc:
        raise Http404 from exc
    letters = []
    plain_url = request.build_absolute_uri(reverse("verify"))
    for item in issued:
        # The code in the fragment, not the query: browsers never send a fragment, so
        # it reaches no access log (linli/household-code.js puts it into the form).
        url = (
            request.build_absolute_uri(reverse("verify")) + "#" + urlencode({"code": item.display})
        )
        letters.append(
            {
                "issued": item,
                "household": item.record.household,
                "qr": _qr(url),
                "url": url,
                "plain_url": plain_url,
            }
        )
    response = render(
        request,
        "accounts/verification/letters.html",
        {"place": place, "letters": letters, "back": _codes_url(place.pk, building_id)},
    )
    response["Cache-Control"] = "no-store"  # the codes are shown once
    return response


def _reprint_confirmation(
    request: HttpRequest, place: Any, building: Any, *, error: str = "", status: int = 200
) -> HttpResponse:
    """Printing a whole building again voids the letters already printed: the page that
    says how many, with the button that carries that number (checked by the service)."""
    return render(
        request,
        "accounts/verification/reprint.html",
        {
            "place": place,
            "reprint": selectors.building_reprint(building),
            "back": _codes_url(place.pk, building.pk),
            "error": error,
        },
        status=status,
    )


def _reissue_confirmation(
    request: HttpRequest, place: Any, house: Any, *, error: str = "", status: int = 200
) -> HttpResponse:
    """A new code for a household whose code is live voids the letter printed with it:
    the page that says so, with the button that carries the number (checked by the
    service)."""
    return render(
        request,
        "accounts/verification/reissue.html",
        {
            "place": place,
            "reissue": selectors.household_reissue(house),
            "back": _codes_url(place.pk, house.building_id),
            "error": error,
        },
        status=status,
    )


@staff_page(Perm.CODES_ISSUE)
@require_POST
def code_revoke(request: HttpRequest, place: Any, code_id: int) -> HttpResponse:
    _after_action(
        request,
        lambda: services.household_code_revoke(actor=acting_user(request), code_id=code_id),
        _("The code was revoked."),
    )
    return redirect(_codes_url(place.pk, _int(request.POST.get("building"))))


@staff_page(Perm.VERIFICATION_REVIEW)
def verification_queue(request: HttpRequest, place: Any) -> HttpResponse:
    return render(
        request,
        "accounts/verification/queue.html",
        {
            "place": place,
            "requests": selectors.pending_page(place.pk, request.GET.get("page")),
            "conflicts": selectors.open_conflicts(place.pk),
        },
    )


@staff_page(Perm.VERIFICATION_REVIEW)
@require_POST
def verification_approve(request: HttpRequest, place: Any, request_id: int) -> HttpResponse:
    _after_action(
        request,
        lambda: services.verification_request_approve(
            actor=acting_user(request),
            request_id=request_id,
            resident_id=_int(request.POST.get("resident")),
        ),
        _("Approved: the resident is verified."),
    )
    return redirect("verification_queue", neighborhood_id=place.pk)


@staff_page(Perm.VERIFICATION_REVIEW)
@require_POST
def verification_reject(request: HttpRequest, place: Any, request_id: int) -> HttpResponse:
    _after_action(
        request,
        lambda: services.verification_request_reject(
            actor=acting_user(request), request_id=request_id, reason=request.POST.get("reason", "")
        ),
        _("Rejected; the resident has been told why."),
    )
    return redirect("verification_queue", neighborhood_id=place.pk)


@staff_page(Perm.VERIFICATION_REVIEW)
@require_POST
def conflict_resolve(request: HttpRequest, place: Any, conflict_id: int) -> HttpResponse:
    _after_action(
        request,
        lambda: services.identity_conflict_resolve(
            actor=acting_user(request), conflict_id=conflict_id, note=request.POST.get("note", "")
        ),
        _("The conflict is marked resolved."),
    )
    return redirect("verification_queue", neighborhood_id=place.pk)


@staff_page(Perm.LEDGER_VIEW)
def household_members(request: HttpRequest, place: Any, household_id: int) -> HttpResponse:
    try:
        found = selectors.household_in(place.pk, household_id)
    except NotFound as exc:
        raise Http404 from exc
    perms = access.perms_at(acting_user(request), place.pk)
    return render(
        request,
        "accounts/verification/members.html",
        {
            "place": place,
            "household": found,
            "members": selectors.members(found.pk),
            "may_change": Perm.REPRESENTATIVE_CHANGE in perms,
            "may_end": Perm.VERIFICATION_REVIEW in perms,
        },
    )


@staff_page(Perm.REPRESENTATIVE_CHANGE)
@require_POST
def household_members_representative(
    request: HttpRequest, place: Any, household_id: int
) -> HttpResponse:
    try:
        selectors.household_in(place.pk, household_id)
    except NotFound as exc:
        raise Http404 from exc
    _after_action(
        request,
        lambda: services.representative_change(
            actor=acting_user(request),
            household_id=household_id,
            user_id=_int(request.POST.get("user")) or 0,
        ),
        _("The household representative was changed."),
    )
    return redirect("household_members", neighborhood_id=place.pk, household_id=household_id)


@staff_page(Perm.VERIFICATION_REVIEW)
@require_POST
def residency_end_staff(
    request: HttpRequest, place: Any, household_id: int, residency_id: int
) -> HttpResponse:
    try:
        selectors.household_in(place.pk, household_id)
    except NotFound as exc:
        raise Http404 from exc
    _after_action(
        request,
        lambda: services.residency_end(
            actor=acting_user(request),
            residency_id=residency_id,
            reason=request.POST.get("reason", ""),
        ),
        _("The residency has ended."),
    )
    return redirect("household_members", neighborhood_id=place.pk, household_id=household_id)
