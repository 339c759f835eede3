from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    """Ballots, tallies and the Civil Code presets: built by the voting issue."""

    name = "voting"
    verbose_name = _("Voting")
