from django.urls import URLPattern, URLResolver, path

from accounts.outreach import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("committee/<id:neighborhood_id>/outreach/", views.outreach_list, name="outreach_list"),
    path(
        "committee/<id:neighborhood_id>/outreach/new/",
        views.outreach_new,
        name="outreach_new",
    ),
    path(
        "committee/<id:neighborhood_id>/outreach/segments/",
        views.segment_create,
        name="segment_create",
    ),
    path(
        "committee/<id:neighborhood_id>/outreach/segments/<id:segment_id>/delete/",
        views.segment_delete,
        name="segment_delete",
    ),
    path(
        "committee/<id:neighborhood_id>/outreach/<id:outreach_id>/",
        views.outreach_detail,
        name="outreach_detail",
    ),
    path(
        "committee/<id:neighborhood_id>/outreach/<id:outreach_id>/door-visits/",
        views.outreach_door_visits,
        name="outreach_door_visits",
    ),
]
