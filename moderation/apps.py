from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    """Deliberation rooms (the procedure engine, the live room, minutes); moderation later."""

    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from moderation import actions, streams  # noqa: F401  fill the realtime registries
