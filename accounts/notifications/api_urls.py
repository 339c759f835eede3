from django.urls import URLPattern, URLResolver, path

from accounts.notifications import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("notifications/", api.NotificationsApi.as_view(), name="api-notifications"),
    path(
        "notifications/<id:notification_id>/ack/",
        api.NotificationAckApi.as_view(),
        name="api-notification-ack",
    ),
    path(
        "notifications/<id:notification_id>/read/",
        api.NotificationReadApi.as_view(),
        name="api-notification-read",
    ),
]
