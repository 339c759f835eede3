from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    """Flags, actions and the deliberation procedure: built by the moderation and rooms issues."""

    name = "moderation"
    verbose_name = _("Moderation")
