from django.urls import URLPattern, URLResolver, path

from accounts.roles import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("committee/<id:neighborhood_id>/roles/", views.roles_page, name="roles"),
    path(
        "committee/<id:neighborhood_id>/roles/<id:grant_id>/revoke/",
        views.role_revoke,
        name="role_revoke",
    ),
]
