from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and places")

    def ready(self) -> None:
        from accounts import (  # noqa: F401
            revocation,  # open sockets re-check access when it changes
            streams,  # registers user.<id> and place.<id>
        )
        from accounts.ledger import query  # noqa: F401  registers the has_item lookup
        from accounts.notifications import actions as notification_actions  # noqa: F401
        from accounts.outreach import streams as outreach_streams  # noqa: F401
