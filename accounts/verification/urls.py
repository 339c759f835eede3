from django.urls import URLPattern, URLResolver, path

from accounts.verification import views

committee = "committee/<id:neighborhood_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    # The resident's pages.
    path("verify/", views.verify, name="verify"),
    path("verify/request/", views.verify_request, name="verify_request"),
    path("household/", views.household, name="household"),
    path(
        "household/representative/",
        views.household_representative,
        name="household_representative",
    ),
    path("household/leave/", views.household_leave, name="household_leave"),
    # The committee's pages.
    path(f"{committee}codes/", views.codes, name="codes"),
    path(f"{committee}codes/issue/", views.codes_issue, name="codes_issue"),
    path(f"{committee}codes/<id:code_id>/revoke/", views.code_revoke, name="code_revoke"),
    path(f"{committee}verification/", views.verification_queue, name="verification_queue"),
    path(
        f"{committee}verification/<id:request_id>/approve/",
        views.verification_approve,
        name="verification_approve",
    ),
    path(
        f"{committee}verification/<id:request_id>/reject/",
        views.verification_reject,
        name="verification_reject",
    ),
    path(
        f"{committee}conflicts/<id:conflict_id>/resolve/",
        views.conflict_resolve,
        name="conflict_resolve",
    ),
    path(
        f"{committee}households/<id:household_id>/members/",
        views.household_members,
        name="household_members",
    ),
    path(
        f"{committee}households/<id:household_id>/representative/",
        views.household_members_representative,
        name="household_members_representative",
    ),
    path(
        f"{committee}households/<id:household_id>/residencies/<id:residency_id>/end/",
        views.residency_end_staff,
        name="residency_end_staff",
    ),
]
