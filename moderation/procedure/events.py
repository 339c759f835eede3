"""What happened in a room: the event log from which its state (and its minutes) is rebuilt.

Each event is a frozen dataclass with a `type` such as "floor.given" and scalar fields only,
so `event_to_data` is JSON as it stands and `event_from_data` reverses it. Events carry
every instant the state needs (`at`, `ends_at`): replaying them reads no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar, Final, Literal, cast

from moderation.procedure.state import PauseReason, RequestKind, Side

EndReason = Literal["time", "yielded", "ruled_off_topic", "chair"]
WithdrawReason = Literal["withdrawn", "lapsed"]
ChairChange = Literal["handed_over", "took_over"]
Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class MotionMoved:
    type: ClassVar[str] = "motion.moved"
    motion: int
    user: int
    text: str
    amends: int | None  # the main motion, for an amendment


@dataclass(frozen=True)
class MotionSeconded:
    type: ClassVar[str] = "motion.seconded"
    motion: int
    user: int


@dataclass(frozen=True)
class MotionWithdrawn:
    type: ClassVar[str] = "motion.withdrawn"
    motion: int
    user: int
    reason: WithdrawReason  # "lapsed" when the chair drops an unseconded motion


@dataclass(frozen=True)
class HandRaised:
    type: ClassVar[str] = "hand.raised"
    user: int
    side: Side
    motion: int


@dataclass(frozen=True)
class HandWithdrawn:
    type: ClassVar[str] = "hand.withdrawn"
    user: int
    motion: int


@dataclass(frozen=True)
class PointRaised:
    type: ClassVar[str] = "point.raised"
    user: int


@dataclass(frozen=True)
class PointWithdrawn:
    type: ClassVar[str] = "point.withdrawn"
    user: int


@dataclass(frozen=True)
class FloorGiven:
    type: ClassVar[str] = "floor.given"
    user: int
    kind: RequestKind
    motion: int | None
    side: Side | None
    at: float
    ends_at: float


@dataclass(frozen=True)
class SpeechPosted:
    type: ClassVar[str] = "speech.posted"
    speech: int  # numbered by the room, from 1
    user: int
    motion: int | None
    length: int
    at: float


@dataclass(frozen=True)
class SpeechEnded:
    type: ClassVar[str] = "speech.ended"
    user: int
    reason: EndReason
    at: float  # for "time": when the time ran out, whenever that was noticed


@dataclass(frozen=True)
class TimeExtended:
    type: ClassVar[str] = "time.extended"
    user: int  # the speaker
    seconds: int
    ends_at: float


@dataclass(frozen=True)
class RuledOffTopic:
    type: ClassVar[str] = "ruling.off_topic"
    speech: int
    user: int  # the speaker
    motion: int | None
    warnings: int  # the speaker's warnings on this motion, this one included


@dataclass(frozen=True)
class SpeakerWarnedOut:
    type: ClassVar[str] = "speaker.warned_out"
    user: int
    motion: int | None


@dataclass(frozen=True)
class VoteCalled:
    type: ClassVar[str] = "vote.called"
    motion: int


@dataclass(frozen=True)
class VoteResult:
    type: ClassVar[str] = "vote.result"
    motion: int
    ayes: int
    noes: int
    abstentions: int
    passed: bool


@dataclass(frozen=True)
class ChairChanged:
    type: ClassVar[str] = "chair.changed"
    previous: int
    chair: int
    reason: ChairChange


@dataclass(frozen=True)
class CoChairNamed:
    type: ClassVar[str] = "co_chair.named"
    user: int | None


@dataclass(frozen=True)
class ChairLeft:
    type: ClassVar[str] = "chair.disconnected"


@dataclass(frozen=True)
class ChairBack:
    type: ClassVar[str] = "chair.returned"


@dataclass(frozen=True)
class RoomPaused:
    type: ClassVar[str] = "room.paused"
    reason: PauseReason
    at: float


@dataclass(frozen=True)
class RoomResumed:
    type: ClassVar[str] = "room.resumed"
    at: float


@dataclass(frozen=True)
class ItemBegan:
    type: ClassVar[str] = "item.next"
    item: int


Event = (
    MotionMoved
    | MotionSeconded
    | MotionWithdrawn
    | HandRaised
    | HandWithdrawn
    | PointRaised
    | PointWithdrawn
    | FloorGiven
    | SpeechPosted
    | SpeechEnded
    | TimeExtended
    | RuledOffTopic
    | SpeakerWarnedOut
    | VoteCalled
    | VoteResult
    | ChairChanged
    | CoChairNamed
    | ChairLeft
    | ChairBack
    | RoomPaused
    | RoomResumed
    | ItemBegan
)

EVENT_TYPES: Final[dict[str, type[Event]]] = {
    cls.type: cls
    for cls in (
        MotionMoved,
        MotionSeconded,
        MotionWithdrawn,
        HandRaised,
        HandWithdrawn,
        PointRaised,
        PointWithdrawn,
        FloorGiven,
        SpeechPosted,
        SpeechEnded,
        TimeExtended,
        RuledOffTopic,
        SpeakerWarnedOut,
        VoteCalled,
        VoteResult,
        ChairChanged,
        CoChairNamed,
        ChairLeft,
        ChairBack,
        RoomPaused,
        RoomResumed,
        ItemBegan,
    )
}


def event_data(event: Event) -> dict[str, Scalar]:
    """The event's fields without its type: the payload the layer publishes."""
    return cast(dict[str, Scalar], asdict(event))


def event_to_data(event: Event) -> dict[str, Scalar]:
    return {"type": event.type, **event_data(event)}


def event_from_data(data: Mapping[str, Any]) -> Event:
    """Rebuild an event stored by `event_to_data` (trusted: the room's own log)."""
    cls = EVENT_TYPES[data["type"]]
    return cls(**{f.name: data[f.name] for f in fields(cls)})
