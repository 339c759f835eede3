from django.urls import URLPattern, URLResolver, path

from accounts.auth import views

urlpatterns: list[URLPattern | URLResolver] = [
    # Beside allauth's /accounts/password/… pages, which reset by email only.
    path("accounts/password/new/", views.password_new, name="password_new"),
]
