from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    """Ballots, tallies and the Civil Code presets."""

    name = "voting"
    verbose_name = _("Voting")

    def ready(self) -> None:
        from voting import actions, streams  # noqa: F401  fill the realtime registries
