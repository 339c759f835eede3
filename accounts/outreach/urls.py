from django.urls import URLPattern, URLResolver, path

from accounts.outreach import views, visits_views

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
        visits_views.door_visit_list,
        name="outreach_door_visits",
    ),
    path(
        "committee/<id:neighborhood_id>/outreach/<id:outreach_id>/door-visits/reveal/",
        visits_views.door_visit_reveal,
        name="door_visit_reveal",
    ),
    path(
        "committee/<id:neighborhood_id>/outreach/<id:outreach_id>/door-visits/assign/",
        visits_views.door_visit_assign,
        name="door_visit_assign",
    ),
    path(
        "committee/<id:neighborhood_id>/outreach/<id:outreach_id>/door-visits/<id:household_id>/",
        visits_views.door_visit_record,
        name="door_visit_record",
    ),
]
