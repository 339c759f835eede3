from django.urls import URLPattern, URLResolver, path

from accounts.profile import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("me/profile/", views.profile, name="profile"),
]
