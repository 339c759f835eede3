"""Resume live delivery of outreach after a crash or restart (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts.outreach import delivery


class Command(BaseCommand):
    help = (
        "Publish every outreach notification whose live event has not gone out "
        "(published_at is null) and mark finished outreach delivered. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = delivery.deliver_pending()
        total = sum(done.values())
        if options["verbosity"] >= 1:
            self.stdout.write(f"{len(done)} outreach checked, {total} notifications published.")
