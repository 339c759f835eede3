"""When what a user may see changes, their open sockets re-check it at once.

STYLE.md keeps business rules out of signals; this is a security control instead: access
must end on every path that changes it, the admin and data fixes included, so it hangs
on the models rather than on the services that will also change them.
"""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

import realtime
from accounts.models import Residency, RoleGrant, User


@receiver(post_save, sender=Residency)
@receiver(post_delete, sender=Residency)
@receiver(post_save, sender=RoleGrant)
@receiver(post_delete, sender=RoleGrant)
@receiver(post_delete, sender=Token)
def recheck_owner(sender: Any, instance: Any, **kwargs: Any) -> None:
    realtime.recheck_user(instance.user_id)


@receiver(post_save, sender=User)
def recheck_account(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    # Deactivation and password changes (which invalidate other sessions) land here.
    if not created and not kwargs.get("raw"):
        realtime.recheck_user(instance.pk)
