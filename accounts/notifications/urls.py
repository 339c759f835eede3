from django.urls import URLPattern, URLResolver, path

from accounts.notifications import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("notifications/", views.notifications, name="notifications"),
    path(
        "notifications/<id:notification_id>/ack/",
        views.notification_ack,
        name="notification_ack",
    ),
]
