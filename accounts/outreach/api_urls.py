from django.urls import URLPattern, URLResolver, path

from accounts.outreach import api, visits_api

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "neighborhoods/<id:neighborhood_id>/segments/",
        api.SegmentsApi.as_view(),
        name="api-segments",
    ),
    path("segments/<id:segment_id>/", api.SegmentApi.as_view(), name="api-segment"),
    path(
        "neighborhoods/<id:neighborhood_id>/outreach/",
        api.OutreachListApi.as_view(),
        name="api-outreach-list",
    ),
    path(
        "neighborhoods/<id:neighborhood_id>/outreach/preview/",
        api.PreviewApi.as_view(),
        name="api-outreach-preview",
    ),
    path("outreach/<id:outreach_id>/", api.OutreachDetailApi.as_view(), name="api-outreach"),
    path(
        "outreach/<id:outreach_id>/door-visits/",
        api.DoorVisitsApi.as_view(),
        name="api-outreach-door-visits",
    ),
    path(
        "outreach/<id:outreach_id>/visits/",
        visits_api.DoorVisitListApi.as_view(),
        name="api-outreach-visits",
    ),
    path(
        "outreach/<id:outreach_id>/visits/reveal/",
        visits_api.DoorVisitRevealApi.as_view(),
        name="api-outreach-visits-reveal",
    ),
    path(
        "outreach/<id:outreach_id>/visits/assign/",
        visits_api.DoorVisitAssignApi.as_view(),
        name="api-outreach-visits-assign",
    ),
]
