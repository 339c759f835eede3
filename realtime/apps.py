from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = _("Realtime")

    def ready(self) -> None:
        from channels.layers import get_channel_layer

        from realtime import (
            publishing,  # noqa: F401  realtime.publish() imports it lazily
            signals,  # noqa: F401  closes sockets of a session on logout
        )

        # Build the channel layer now: importing its backend (channels_redis, redis-py
        # and its TLS dependencies, ~130 ms) was otherwise paid by the first after-commit
        # send of each publishing process, holding that event and its writer.
        get_channel_layer()
