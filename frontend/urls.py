from allauth.account import views as account_views
from django.urls import path

from frontend import views

urlpatterns = [
    path("", views.home, name="home"),
    # allauth's (accounts/auth): phone or user name, password or SMS code.
    path("login/", account_views.login, name="login"),
    path("logout/", account_views.logout, name="logout"),
    path("boards/<id:board_id>/", views.board, name="board"),
    path("boards/<id:board_id>/topics/", views.topic_new, name="topic_new"),
    path("topics/<id:topic_id>/", views.topic, name="topic"),
    path("topics/<id:topic_id>/posts/", views.post_new, name="post_new"),
]
