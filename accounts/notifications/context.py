"""Header context on every page: the notification badge and the user's live stream."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest

from accounts.models import User
from accounts.notifications import selectors
from accounts.notifications.events import user_stream
from realtime.selectors import stream_head


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    stream = user_stream(user.pk)
    # The seq first, then the count: the live feed resumes from the seq. An event that
    # commits between the two reads is counted and then replayed once more, so the badge
    # may read one high until the next page; it never misses a notification.
    seq = stream_head(stream)
    return {
        "user_stream": stream,
        "user_stream_seq": seq,
        "notification_badge": selectors.attention_count(cast(User, user)),
    }
