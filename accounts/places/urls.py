from django.urls import URLPattern, URLResolver, path

from accounts.places import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/", views.me, name="me"),
    path("committee/", views.committee_home, name="committee_home"),
    path("committee/<id:neighborhood_id>/", views.committee, name="committee"),
]
