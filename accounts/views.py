"""The committee's front door: the places a user serves, and each place's dashboard."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import access
from accounts.models import Neighborhood, User
from accounts.permissions import Perm
from config.errors import DomainError


@login_required
def committee_home(request: HttpRequest) -> HttpResponse:
    places = access.neighborhoods_with(cast(User, request.user), Perm.LEDGER_VIEW)
    if len(places) == 1:
        return redirect("committee", neighborhood_id=places[0].pk)
    return render(request, "accounts/committee_home.html", {"places": places})


@login_required
def committee(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    user = cast(User, request.user)
    try:
        access.require(user, Perm.LEDGER_VIEW, neighborhood_id)
    except DomainError as exc:
        raise Http404 from exc
    place = Neighborhood.objects.select_related("subdistrict").get(pk=neighborhood_id)
    return render(
        request,
        "accounts/committee.html",
        {"place": place, "perms": access.perms_at(user, neighborhood_id)},
    )
