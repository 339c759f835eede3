"""WebSocket `do` actions on room.<id>: `room.<command>` for each command people send
(moderation.procedure.commands.OF_PEOPLE, by its `name`), the same service as the room's
page and the REST API."""

from typing import Any

from accounts.models import User
from moderation.rooms import services
from realtime.registry import register_action


def _register(name: str) -> None:
    @register_action("room", f"room.{name}")
    def handle(user: User, key: int, data: dict[str, Any]) -> dict[str, Any]:
        outcome = services.room_command(user=user, room_id=key, action=name, data=data)
        return {
            "events": [event.type for event in outcome.events],
            "speech": outcome.speech.number if outcome.speech else None,
        }


for _name in services.COMMANDS:
    _register(_name)


@register_action("room", "room.react")
def react(user: User, key: int, data: dict[str, Any]) -> dict[str, Any]:
    services.room_react(user=user, room_id=key, emoji=data.get("emoji"))
    return {}
