from django.urls import URLPattern, URLResolver, path

from accounts.outreach import api

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "neighborhoods/<int:neighborhood_id>/segments/",
        api.SegmentsApi.as_view(),
        name="api-segments",
    ),
    path("segments/<int:segment_id>/", api.SegmentApi.as_view(), name="api-segment"),
    path(
        "neighborhoods/<int:neighborhood_id>/outreach/",
        api.OutreachListApi.as_view(),
        name="api-outreach-list",
    ),
    path(
        "neighborhoods/<int:neighborhood_id>/outreach/preview/",
        api.PreviewApi.as_view(),
        name="api-outreach-preview",
    ),
    path("outreach/<int:outreach_id>/", api.OutreachDetailApi.as_view(), name="api-outreach"),
    path(
        "outreach/<int:outreach_id>/door-visits/",
        api.DoorVisitsApi.as_view(),
        name="api-outreach-door-visits",
    ),
    path("notifications/", api.NotificationsApi.as_view(), name="api-notifications"),
    path(
        "notifications/<int:notification_id>/ack/",
        api.NotificationAckApi.as_view(),
        name="api-notification-ack",
    ),
    path(
        "notifications/<int:notification_id>/read/",
        api.NotificationReadApi.as_view(),
        name="api-notification-read",
    ),
]
