from django.urls import URLPattern, URLResolver, path

from moderation import minutes_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("rooms/<id:room_id>/minutes/", minutes_views.minutes_page, name="room_minutes"),
    path(
        "rooms/<id:room_id>/minutes/post/",
        minutes_views.minutes_post_view,
        name="room_minutes_post",
    ),
]
