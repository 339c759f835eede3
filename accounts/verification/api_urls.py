from django.urls import URLPattern, URLResolver, path

from accounts.verification import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("verification/code/", api.CodeRedeemApi.as_view(), name="api-verification-code"),
    path("verification/requests/", api.RequestCreateApi.as_view(), name="api-verification-request"),
    path(
        "verification/requests/mine/",
        api.MyRequestsApi.as_view(),
        name="api-verification-requests-mine",
    ),
    path(
        "neighborhoods/<id:neighborhood_id>/verification-requests/",
        api.RequestQueueApi.as_view(),
        name="api-verification-queue",
    ),
    path(
        "verification-requests/<id:request_id>/approve/",
        api.RequestApproveApi.as_view(),
        name="api-verification-approve",
    ),
    path(
        "verification-requests/<id:request_id>/reject/",
        api.RequestRejectApi.as_view(),
        name="api-verification-reject",
    ),
    path(
        "neighborhoods/<id:neighborhood_id>/codes/",
        api.CodesIssueApi.as_view(),
        name="api-codes-issue",
    ),
    path("codes/<id:code_id>/revoke/", api.CodeRevokeApi.as_view(), name="api-code-revoke"),
    path(
        "residencies/<id:residency_id>/end/",
        api.ResidencyEndApi.as_view(),
        name="api-residency-end",
    ),
    path(
        "households/<id:household_id>/representative/",
        api.RepresentativeApi.as_view(),
        name="api-household-representative",
    ),
    path(
        "neighborhoods/<id:neighborhood_id>/identity-conflicts/",
        api.ConflictListApi.as_view(),
        name="api-identity-conflicts",
    ),
    path(
        "identity-conflicts/<id:conflict_id>/resolve/",
        api.ConflictResolveApi.as_view(),
        name="api-identity-conflict-resolve",
    ),
]
