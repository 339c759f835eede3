from django.urls import URLPattern, URLResolver, path

from voting import api

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "neighborhoods/<id:neighborhood_id>/ballots/",
        api.BallotListApi.as_view(),
        name="api-ballots",
    ),
    path("ballots/<id:ballot_id>/", api.BallotDetailApi.as_view(), name="api-ballot"),
    path("ballots/<id:ballot_id>/open/", api.BallotOpenApi.as_view(), name="api-ballot-open"),
    path("ballots/<id:ballot_id>/close/", api.BallotCloseApi.as_view(), name="api-ballot-close"),
    path("ballots/<id:ballot_id>/votes/", api.CastApi.as_view(), name="api-ballot-votes"),
    path("ballots/<id:ballot_id>/receipts/", api.ReceiptsApi.as_view(), name="api-ballot-receipts"),
    path("ballots/<id:ballot_id>/proxies/", api.ProxyListApi.as_view(), name="api-ballot-proxies"),
    path("proxies/<id:proxy_id>/", api.ProxyApi.as_view(), name="api-ballot-proxy"),
    path("ballots/<id:ballot_id>/paper/", api.PaperListApi.as_view(), name="api-ballot-paper"),
    path(
        "paper/<id:paper_id>/confirm/",
        api.PaperConfirmApi.as_view(),
        name="api-ballot-paper-confirm",
    ),
    path(
        "paper/<id:paper_id>/reject/", api.PaperRejectApi.as_view(), name="api-ballot-paper-reject"
    ),
    path(
        "ballots/<id:ballot_id>/objections/",
        api.ObjectionListApi.as_view(),
        name="api-ballot-objections",
    ),
    path(
        "objections/<id:objection_id>/answer/",
        api.ObjectionAnswerApi.as_view(),
        name="api-ballot-objection-answer",
    ),
    path("ballots/<id:ballot_id>/record/", api.RecordApi.as_view(), name="api-ballot-record"),
    path(
        "ballots/<id:ballot_id>/record.csv",
        api.RecordCsvApi.as_view(),
        name="api-ballot-record-csv",
    ),
]
