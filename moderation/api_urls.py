from django.urls import URLPattern, URLResolver, path

from moderation import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("neighborhoods/<id:neighborhood_id>/rooms/", api.RoomListApi.as_view(), name="api-rooms"),
    path("rooms/<id:room_id>/", api.RoomDetailApi.as_view(), name="api-room"),
    path(
        "rooms/<id:room_id>/commands/<slug:action>/",
        api.RoomCommandApi.as_view(),
        name="api-room-command",
    ),
    path("rooms/<id:room_id>/react/", api.RoomReactApi.as_view(), name="api-room-react"),
    path("rooms/<id:room_id>/close/", api.RoomCloseApi.as_view(), name="api-room-close"),
    path("rooms/<id:room_id>/minutes/", api.RoomMinutesApi.as_view(), name="api-room-minutes"),
    path(
        "rooms/<id:room_id>/minutes/post/",
        api.RoomMinutesPostApi.as_view(),
        name="api-room-minutes-post",
    ),
]
