"""GET/POST /me/profile/: display name and avatar. Thin: one service per POSTed form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import acting_user
from accounts.profile import services
from core.errors import DomainError


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    status = 200
    error: DomainError | None = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "name":
                services.display_name_set(user=user, raw=request.POST.get("display_name"))
                done = _("Your name is saved.")
            elif action == "avatar":
                services.avatar_set(user=user, upload=request.FILES.get("avatar"))
                done = _("Your picture is saved.")
            elif action == "remove_avatar":
                services.avatar_remove(user=user)
                done = _("Your picture is removed.")
            else:
                return redirect("profile")
        except DomainError as exc:
            # The page again, with the refusal beside its form (no redirect: the refusal
            # is a 4xx with its stable code on the page, never a 200 or a 500).
            error, status = exc, exc.http_status
            user.refresh_from_db()
        else:
            messages.success(request, done)
            return redirect("profile")
    context = {
        "profile_user": user,
        "error": error,
        "action": request.POST.get("action", "") if error else "",
        "max_length": services.DISPLAY_NAME_MAX,
        "posted_name": request.POST.get("display_name", "") if error else user.display_name,
    }
    return render(request, "accounts/profile/profile.html", context, status=status)
