from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from realtime import fanout


@receiver(user_logged_out)
def close_sockets_of_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None and request is not None and request.session.session_key:
        fanout.close_session(user.pk, request.session.session_key)
