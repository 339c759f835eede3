"""The member's inbox over REST: list, read, 收到."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import acting_user
from accounts.models import Notification
from accounts.notifications import selectors, services
from accounts.notifications.events import user_stream
from accounts.notifications.services import notification_payload
from realtime.selectors import stream_head


def _notification(notification: Notification) -> dict[str, Any]:
    return {
        **notification_payload(notification),
        "read": notification.read_at is not None,
    }


class NotificationsApi(APIView):
    @extend_schema(responses={200: None})
    def get(self, request: Request) -> Response:
        stream = user_stream(request.user.pk)
        seq = stream_head(stream)
        inbox = selectors.notifications_for(acting_user(request))
        return Response(
            {
                "stream": stream,
                "seq": seq,
                "unread": inbox.unread,
                "unacknowledged": inbox.unacknowledged,
                "notifications": [_notification(n) for n in inbox.notifications],
            }
        )


class NotificationAckApi(APIView):
    @extend_schema(request=None, responses={200: None})
    def post(self, request: Request, notification_id: int) -> Response:
        notification = services.notification_acknowledge(
            user=acting_user(request), notification_id=notification_id
        )
        return Response(_notification(notification))


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses={200: None})
    def post(self, request: Request, notification_id: int) -> Response:
        notification = services.notification_read(
            user=acting_user(request), notification_id=notification_id
        )
        return Response(_notification(notification))
