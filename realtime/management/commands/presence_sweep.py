"""Drop the presence counts of server processes whose lease has run out: what every live
server does every few seconds, for when none is running (or to check by hand)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from realtime import lease
from realtime.models import ServerLease


class Command(BaseCommand):
    help = "Forget expired server leases and drop the presence counts they held (once)."

    def handle(self, *args: Any, **options: Any) -> None:
        lease.sweep()
        alive = lease.live().count()
        self.stdout.write(
            f"{alive} live server process(es); {ServerLease.objects.count()} lease(s)"
        )
