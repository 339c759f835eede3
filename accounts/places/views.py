"""The committee's front door (the places a user serves and each place's dashboard) and
the 我的 page: one's household, language, text size, sign-out and one's role pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.access import acting_user
from accounts.models import Neighborhood, User
from accounts.permissions import Perm
from accounts.places import selectors
from core.errors import DomainError

# The dashboard's sections: (URL name, label, permission needed to see the link).
SECTIONS = (
    ("ledger", _("Household ledger (台账)"), Perm.LEDGER_VIEW),
    ("verification_queue", _("Verification requests"), Perm.VERIFICATION_REVIEW),
    ("codes", _("Household codes and letters"), Perm.CODES_ISSUE),
    ("outreach_list", _("Outreach (政策找人)"), Perm.OUTREACH_SEND),
    ("ballot_list", _("Ballots"), Perm.BALLOT_MANAGE),
    ("room_list", _("Deliberation rooms"), Perm.ROOM_MANAGE),
    ("ledger_import", _("Import a spreadsheet"), Perm.LEDGER_IMPORT),
    ("roles", _("Committee roles"), Perm.ROLES_MANAGE),
)


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """The 我的 tab: what is one's own, and the role pages only for those who hold the role."""
    entries = selectors.my_entries(user=acting_user(request))
    return render(request, "accounts/me.html", {"entries": entries})


@login_required
def committee_home(request: HttpRequest) -> HttpResponse:
    places = access.neighborhoods_with(acting_user(request), Perm.LEDGER_VIEW)
    if len(places) == 1:
        return redirect("committee", neighborhood_id=places[0].pk)
    return render(request, "accounts/committee_home.html", {"places": places})


def place_or_404(user: User, perm: Perm, neighborhood_id: int) -> Neighborhood:
    """The neighborhood, if the user holds `perm` there; a 404 otherwise (no telling)."""
    try:
        access.require(user, perm, neighborhood_id)
    except DomainError as exc:
        raise Http404 from exc
    return Neighborhood.objects.select_related("subdistrict").get(pk=neighborhood_id)


@login_required
def committee(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    user = acting_user(request)
    place = place_or_404(user, Perm.LEDGER_VIEW, neighborhood_id)
    perms = access.perms_at(user, neighborhood_id)
    links = []
    for name, label, perm in SECTIONS:
        if perm not in perms:
            continue
        try:
            links.append((reverse(name, args=[neighborhood_id]), label))
        except NoReverseMatch:  # a section not installed in this build
            continue
    return render(
        request,
        "accounts/committee.html",
        {
            "place": place,
            "links": links,
            "numbers": selectors.dashboard(user=user, neighborhood_id=neighborhood_id),
        },
    )
