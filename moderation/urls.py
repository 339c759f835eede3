from django.urls import URLPattern, URLResolver, path

from moderation import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("rooms/", views.my_rooms, name="my_rooms"),
    path("neighborhoods/<id:neighborhood_id>/rooms/", views.room_list, name="room_list"),
    path("neighborhoods/<id:neighborhood_id>/rooms/new/", views.room_new, name="room_new"),
    path("rooms/<id:room_id>/", views.room_page, name="room"),
    path("rooms/<id:room_id>/chair/", views.room_console, name="room_console"),
    path("rooms/<id:room_id>/state/", views.room_state, name="room_state"),
    path("rooms/<id:room_id>/vote/", views.room_vote, name="room_vote"),
    path("rooms/<id:room_id>/do/<slug:action>/", views.room_do, name="room_do"),
]
