from django.urls import URLPattern, URLResolver, path

from accounts.roles import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("neighborhoods/<id:neighborhood_id>/roles/", api.RoleListApi.as_view(), name="api-roles"),
    path("roles/<id:grant_id>/", api.RoleDetailApi.as_view(), name="api-role"),
]
