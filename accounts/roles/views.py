"""The committee roles page of a neighborhood: grant and revoke (accounts/roles/services.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts import neighbors
from accounts.access import acting_user
from accounts.auth import mfa
from accounts.permissions import Perm
from accounts.places.views import place_or_404
from accounts.roles import services as roles
from core.converters import form_id
from core.errors import DomainError, NotFound


@login_required
def roles_page(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    user = acting_user(request)
    place = place_or_404(user, Perm.ROLES_MANAGE, neighborhood_id)
    who = neighbors.query_of(request.GET.get("who"))
    if request.method == "POST":
        back = reverse("roles", args=[neighborhood_id])
        if (first := mfa.page_gate(request, back)) is not None:
            return first
        try:
            roles.role_grant(
                actor=user,
                neighborhood_id=neighborhood_id,
                user_id=form_id(request.POST.get("user_id")),
                username=request.POST.get("username", ""),
                role=request.POST.get("role", ""),
            )
            messages.success(request, _("Role granted."))
        except DomainError as exc:
            messages.error(request, exc.render())
        return redirect("roles", neighborhood_id=neighborhood_id)
    return render(
        request,
        "accounts/roles.html",
        {
            "place": place,
            "grants": roles.grants_at(actor=user, neighborhood_id=neighborhood_id),
            "choices": [(r.value, r.label) for r in roles.NEIGHBORHOOD_ROLES],
            "who": who,
            "neighbors": neighbors.eligible_neighbors(user, neighborhood_id, who),
        },
    )


@login_required
@require_POST
def role_revoke(request: HttpRequest, neighborhood_id: int, grant_id: int) -> HttpResponse:
    user = acting_user(request)
    confirm = form_id(request.POST.get("confirm"))
    try:
        if confirm is None:  # first say whose role goes, on a page of its own
            place = place_or_404(user, Perm.ROLES_MANAGE, neighborhood_id)
            grant = roles.grant_of(actor=user, neighborhood_id=neighborhood_id, grant_id=grant_id)
            return render(request, "accounts/roles_revoke.html", {"place": place, "grant": grant})
        roles.role_revoke(actor=user, grant_id=grant_id, confirm=confirm)
        messages.success(request, _("Role removed."))
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.render())
    return redirect("roles", neighborhood_id=neighborhood_id)
