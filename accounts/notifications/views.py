"""The member's inbox page (/notifications/) and its 收到 button."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import acting_user
from accounts.notifications import selectors, services
from accounts.notifications.events import user_stream
from core.errors import NotFound
from realtime.selectors import stream_head


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    stream = user_stream(user.pk)
    seq = stream_head(stream)  # before the rows: no gap to the live feed
    inbox = selectors.notifications_for(user)
    # What the page shows is read; notices still wait for 收到.
    services.notifications_read_all(user=user)
    return render(
        request,
        "accounts/notifications/list.html",
        {"inbox": inbox, "stream": stream, "seq": seq},
    )


@login_required
@require_POST
def notification_ack(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        services.notification_acknowledge(
            user=acting_user(request), notification_id=notification_id
        )
    except NotFound as exc:
        raise Http404 from exc
    return redirect(reverse("notifications") + f"#n{notification_id}")
