"""What people (and the room's own machinery) ask of the procedure.

`user` is who asks; the engine checks what they may do. `Tick`, `ChairDisconnected` and
`ChairReturned` come from the Django layer (its timer and presence), not from a person.
Reactions (emoji without text) change nothing the rules look at, so they are not commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final, get_args

from moderation.procedure.state import Side


@dataclass(frozen=True)
class Move:
    """Move a main motion (the chair then asks for a second)."""

    name: ClassVar[str] = "move"
    user: int
    text: str


@dataclass(frozen=True)
class Amend:
    """Move an amendment to the main motion under debate."""

    name: ClassVar[str] = "amend"
    user: int
    text: str


@dataclass(frozen=True)
class Second:
    name: ClassVar[str] = "second"
    user: int


@dataclass(frozen=True)
class WithdrawMotion:
    """The mover withdraws, or the chair lets lapse, a motion nobody has seconded."""

    name: ClassVar[str] = "withdraw_motion"
    user: int


@dataclass(frozen=True)
class RaiseHand:
    name: ClassVar[str] = "raise_hand"
    user: int
    side: Side


@dataclass(frozen=True)
class WithdrawHand:
    name: ClassVar[str] = "withdraw_hand"
    user: int


@dataclass(frozen=True)
class PointOfOrder:
    name: ClassVar[str] = "point_of_order"
    user: int


@dataclass(frozen=True)
class WithdrawPoint:
    name: ClassVar[str] = "withdraw_point"
    user: int


@dataclass(frozen=True)
class GiveFloor:
    """The chair gives the floor to `to`: for their point of order if they raised one,
    otherwise for their hand on the motion under debate."""

    name: ClassVar[str] = "give_floor"
    user: int
    to: int


@dataclass(frozen=True)
class Speak:
    """Post a speech of `length` characters (the text itself is the layer's)."""

    name: ClassVar[str] = "speak"
    user: int
    length: int


@dataclass(frozen=True)
class YieldFloor:
    name: ClassVar[str] = "yield_floor"
    user: int


@dataclass(frozen=True)
class EndSpeech:
    """The chair ends the current speech."""

    name: ClassVar[str] = "end_speech"
    user: int


@dataclass(frozen=True)
class ExtendTime:
    name: ClassVar[str] = "extend_time"
    user: int
    seconds: int


@dataclass(frozen=True)
class RuleOffTopic:
    """The chair rules a posted speech off-topic (it collapses and counts a warning)."""

    name: ClassVar[str] = "rule_off_topic"
    user: int
    speech: int


@dataclass(frozen=True)
class CallVote:
    name: ClassVar[str] = "call_vote"
    user: int


@dataclass(frozen=True)
class AnnounceResult:
    """The chair (or the voting layer on the chair's behalf) announces the tally."""

    name: ClassVar[str] = "announce_result"
    user: int
    ayes: int
    noes: int
    abstentions: int


@dataclass(frozen=True)
class NextItem:
    name: ClassVar[str] = "next_item"
    user: int


@dataclass(frozen=True)
class Pause:
    name: ClassVar[str] = "pause"
    user: int


@dataclass(frozen=True)
class Resume:
    name: ClassVar[str] = "resume"
    user: int


@dataclass(frozen=True)
class HandOverChair:
    name: ClassVar[str] = "hand_over_chair"
    user: int
    to: int


@dataclass(frozen=True)
class NameCoChair:
    """The chair designates who may take over if they disconnect (None: nobody)."""

    name: ClassVar[str] = "name_co_chair"
    user: int
    to: int | None = None


@dataclass(frozen=True)
class TakeChair:
    """The designated co-chair takes over from a chair who is not connected."""

    name: ClassVar[str] = "take_chair"
    user: int


@dataclass(frozen=True)
class ChairDisconnected:
    name: ClassVar[str] = "chair_disconnected"


@dataclass(frozen=True)
class ChairReturned:
    name: ClassVar[str] = "chair_returned"


@dataclass(frozen=True)
class Tick:
    """The layer's timer: lets a speech end by itself when its time is up."""

    name: ClassVar[str] = "tick"


# The commands people send, in the order the protocol lists them. Each travels by its
# `name` (`do room.<name>` on the socket, POST .../commands/<name>/, the page's forms);
# every list of commands in the Django layer is derived from this union (OF_PEOPLE).
PersonCommand = (
    Move
    | Amend
    | Second
    | WithdrawMotion
    | RaiseHand
    | WithdrawHand
    | PointOfOrder
    | WithdrawPoint
    | Speak
    | YieldFloor
    | GiveFloor
    | EndSpeech
    | ExtendTime
    | RuleOffTopic
    | CallVote
    | AnnounceResult
    | NextItem
    | Pause
    | Resume
    | HandOverChair
    | NameCoChair
    | TakeChair
)
# And those the layer sends itself (its timer and the chair's presence).
Command = PersonCommand | ChairDisconnected | ChairReturned | Tick

OF_PEOPLE: Final[tuple[type[PersonCommand], ...]] = get_args(PersonCommand)

# The chair's console: commands the engine refuses to anyone but the chair (`not_chair`).
OF_THE_CHAIR: Final[frozenset[type[PersonCommand]]] = frozenset(
    {
        GiveFloor,
        EndSpeech,
        ExtendTime,
        RuleOffTopic,
        CallVote,
        AnnounceResult,
        NextItem,
        Pause,
        Resume,
        HandOverChair,
        NameCoChair,
    }
)
