from django.urls import URLPattern, URLResolver, path

from accounts.elder import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/elder-mode/", views.elder_mode, name="elder_mode"),
]
