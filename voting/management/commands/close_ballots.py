"""python manage.py close_ballots [--loop SECONDS]: close every open ballot whose closing
time has passed (voting.services.close_due), once, or every SECONDS until stopped.

A ballot past its time already refuses votes (the cast service checks closes_at); this
certifies its result and starts its public notice. Any number of these may run: the close
locks the ballot row, and a ballot closed by another process is skipped.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from voting import services


class Command(BaseCommand):
    help = "Close the ballots whose closing time has passed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            help="keep running, checking every SECONDS",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["loop"]
        if interval is not None and not interval > 0:
            raise CommandError("--loop needs a positive number of seconds")
        try:
            while True:
                closed = services.close_due()
                for ballot_id in closed:
                    self.stdout.write(f"closed ballot {ballot_id}")
                if interval is None:
                    if not closed:
                        self.stdout.write("no ballot due")
                    return
                close_old_connections()  # a long-running loop must not keep a dead connection
                time.sleep(interval)
        except KeyboardInterrupt:
            return
