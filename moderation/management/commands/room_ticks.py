"""End every speech whose time is up, in every open room: the sweep behind the servers'
own timers (a server that died took its timers with it)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moderation.models import Room, RoomStatus
from moderation.rooms.services import room_tick


def sweep(now: float | None = None) -> list[int]:
    """Tick every open room whose floor has run out; the ids of rooms where one ended."""
    moment = time.time() if now is None else now
    ended = []
    for room_id, state in Room.objects.filter(status=RoomStatus.OPEN).values_list("pk", "state"):
        floor = state.get("floor") if isinstance(state, dict) else None
        if not floor or floor.get("ends_at") is None or floor["ends_at"] > moment:
            continue
        outcome = room_tick(room_id, now=moment)
        if outcome is not None and outcome.events:
            ended.append(room_id)
    return ended


class Command(BaseCommand):
    help = "End speeches whose time is up in every open room (once, or every --loop seconds)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", type=float, default=None, metavar="SECONDS")

    def handle(self, *args: Any, **options: Any) -> None:
        every = options["loop"]
        if every is not None and every <= 0:
            raise CommandError("--loop takes a number of seconds above 0")
        while True:
            ended = sweep()
            if ended:
                self.stdout.write(f"ended speeches in rooms {ended}")
            if every is None:
                return
            time.sleep(every)
