from django.urls import URLPattern, URLResolver, path

from voting import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("ballots/", views.my_ballots, name="my_ballots"),
    path("neighborhoods/<id:neighborhood_id>/ballots/", views.ballot_list, name="ballot_list"),
    path("neighborhoods/<id:neighborhood_id>/ballots/new/", views.ballot_new, name="ballot_new"),
    path("ballots/<id:ballot_id>/", views.ballot_page, name="ballot"),
    path("ballots/<id:ballot_id>/live/", views.ballot_live, name="ballot_live"),
    path("ballots/<id:ballot_id>/cast/", views.ballot_cast, name="ballot_cast"),
    path("ballots/<id:ballot_id>/open/", views.ballot_open, name="ballot_open"),
    path("ballots/<id:ballot_id>/close/", views.ballot_close, name="ballot_close"),
    path("ballots/<id:ballot_id>/proxy/", views.proxy_grant, name="ballot_proxy"),
    path(
        "ballots/<id:ballot_id>/proxy/<id:proxy_id>/revoke/",
        views.proxy_revoke,
        name="ballot_proxy_revoke",
    ),
    path("ballots/<id:ballot_id>/objections/", views.objection_file, name="ballot_objection"),
    path(
        "ballots/<id:ballot_id>/objections/<id:objection_id>/answer/",
        views.objection_answer,
        name="ballot_objection_answer",
    ),
    path("ballots/<id:ballot_id>/record/", views.ballot_record, name="ballot_record"),
    path("ballots/<id:ballot_id>/paper/", views.paper_page, name="ballot_paper"),
    path(
        "ballots/<id:ballot_id>/paper/<id:paper_id>/confirm/",
        views.paper_confirm,
        name="ballot_paper_confirm",
    ),
    path(
        "ballots/<id:ballot_id>/paper/<id:paper_id>/reject/",
        views.paper_reject,
        name="ballot_paper_reject",
    ),
    path(
        "ballots/<id:ballot_id>/paper/<id:paper_id>/photo/",
        views.paper_photo,
        name="ballot_paper_photo",
    ),
]
