from django.contrib.auth import views as auth_views
from django.urls import path

from frontend import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("boards/<id:board_id>/", views.board, name="board"),
    path("boards/<id:board_id>/topics/", views.topic_new, name="topic_new"),
    path("topics/<id:topic_id>/", views.topic, name="topic"),
    path("topics/<id:topic_id>/posts/", views.post_new, name="post_new"),
]
