"""/accounts/password/new/: a new password after an SMS code (accounts/auth/services.py)."""

from __future__ import annotations

from allauth.account.authentication import get_authentication_records
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.access import acting_user
from accounts.auth import services
from core.errors import DomainError


def password_new(request: HttpRequest) -> HttpResponse:
    """Anyone not signed in by a fresh SMS code is sent to get one first, back here after."""
    here = reverse("password_new")
    if not request.user.is_authenticated:
        return redirect(reverse("account_request_login_code") + "?" + urlencode({"next": here}))
    user = acting_user(request)
    fresh = services.code_proof_is_fresh(
        get_authentication_records(request, user), user, timezone.now()
    )
    if not fresh:
        # Signed in another way: the old password changes it (allauth's page).
        return redirect("account_change_password")
    if request.method == "POST":
        try:
            services.password_reset_by_code(
                user=user,
                fresh=fresh,
                password=request.POST.get("password1"),
                again=request.POST.get("password2"),
            )
        except DomainError as exc:
            context = {"error": exc}
            return render(request, "account/password_new.html", context, status=exc.http_status)
        update_session_auth_hash(request, user)  # this session stays signed in
        messages.success(request, _("Your new password is saved."))
        return redirect("me")
    return render(request, "account/password_new.html", {})
