from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo neighbourhood (`manage.py seed_demo`). It sits on top of every app, so
    seeding forum boards and ballots never makes the bottom floor (accounts) import them.
    No models: the app exists for its management command."""

    name = "demo"
