"""POST /settings/elder-mode/ with on=1 or on=0: the toggle and both answers of the offer."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.access import acting_user
from accounts.elder import services


@login_required
@require_POST
def elder_mode(request: HttpRequest) -> HttpResponse:
    services.elder_mode_set(user=acting_user(request), on=request.POST.get("on") == "1")
    back = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(back if safe and back else "home")
