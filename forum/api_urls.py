from django.urls import path

from forum import api

urlpatterns = [
    path("boards/<id:board_id>/", api.BoardDetailApi.as_view(), name="api-board"),
    path("boards/<id:board_id>/topics/", api.TopicCreateApi.as_view(), name="api-topic-create"),
]
