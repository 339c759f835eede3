from django.urls import URLPattern, URLResolver, path

from accounts.outreach import views

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "committee/<int:neighborhood_id>/outreach/new/",
        views.outreach_new,
        name="outreach_new",
    ),
]
