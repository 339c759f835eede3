"""Why a command is refused: `RuleViolation(code)` with a stable snake_case code.

The codes are the contract with the Django layer (which translates them for people) and
with the tests (which trigger every one). Add a code here, in `ALL_CODES`, or nowhere.
"""

from __future__ import annotations

from typing import Final

# Who may do it
NOT_CHAIR: Final = "not_chair"  # a chair's command from someone else
NOT_CO_CHAIR: Final = "not_co_chair"  # take_chair from anyone but the designated co-chair
CHAIR_IS_PRESENT: Final = "chair_is_present"  # take_chair while the chair is connected
CHAIR_MUST_STAY_NEUTRAL: Final = "chair_must_stay_neutral"  # the chair argues, moves, seconds
NOT_MOVER: Final = "not_mover"  # withdraw_motion from neither the mover nor the chair

# The floor
NO_FLOOR: Final = "no_floor"  # a floor command in a room without a floor (free discussion)
NOT_YOUR_TURN: Final = "not_your_turn"  # speaking or yielding without holding the floor
FLOOR_TAKEN: Final = "floor_taken"  # someone holds the floor and may not be interrupted
NO_SPEECH: Final = "no_speech"  # ending or extending a speech when nobody has the floor
ALREADY_IN_QUEUE: Final = "already_in_queue"
NOT_IN_QUEUE: Final = "not_in_queue"
SPEECH_LIMIT_REACHED: Final = "speech_limit_reached"  # speeches per person per motion used up
WARNED_OUT: Final = "warned_out"  # ruled off-topic as often as the room allows, on this motion
SLOW_MODE: Final = "slow_mode"  # too soon after one's last speech
# Moving a motion or an amendment from a point-of-order floor (it is for procedure only)
POINT_OF_ORDER_ONLY: Final = "point_of_order_only"

# Motions and phases
NO_MOTION: Final = "no_motion"  # nothing is discussed (or seconded, or voted) without a motion
MOTION_PENDING: Final = "motion_pending"  # one motion at a time
CANNOT_SECOND_OWN_MOTION: Final = "cannot_second_own_motion"
NOT_SECONDED: Final = "not_seconded"  # debate or a vote before the motion is seconded
ALREADY_SECONDED: Final = "already_seconded"  # a second second; withdrawing a seconded motion
AMENDMENT_NOT_ALLOWED: Final = "amendment_not_allowed"
WRONG_PHASE: Final = "wrong_phase"
AGENDA_FINISHED: Final = "agenda_finished"  # next_item after the last item

# Rulings
NO_SUCH_SPEECH: Final = "no_such_speech"  # not a recent speech on what is being discussed
ALREADY_RULED: Final = "already_ruled"

# The room
ROOM_PAUSED: Final = "room_paused"
ROOM_NOT_PAUSED: Final = "room_not_paused"
INVALID_ARGUMENT: Final = "invalid_argument"  # a count below 0, an empty motion, 0 seconds

ALL_CODES: Final[frozenset[str]] = frozenset(
    {
        NOT_CHAIR,
        NOT_CO_CHAIR,
        CHAIR_IS_PRESENT,
        CHAIR_MUST_STAY_NEUTRAL,
        NOT_MOVER,
        NO_FLOOR,
        NOT_YOUR_TURN,
        FLOOR_TAKEN,
        NO_SPEECH,
        ALREADY_IN_QUEUE,
        NOT_IN_QUEUE,
        SPEECH_LIMIT_REACHED,
        WARNED_OUT,
        SLOW_MODE,
        POINT_OF_ORDER_ONLY,
        NO_MOTION,
        MOTION_PENDING,
        CANNOT_SECOND_OWN_MOTION,
        NOT_SECONDED,
        ALREADY_SECONDED,
        AMENDMENT_NOT_ALLOWED,
        WRONG_PHASE,
        AGENDA_FINISHED,
        NO_SUCH_SPEECH,
        ALREADY_RULED,
        ROOM_PAUSED,
        ROOM_NOT_PAUSED,
        INVALID_ARGUMENT,
    }
)


class RuleViolation(Exception):
    """The rules refuse a command. Nothing changed; `code` is one of `ALL_CODES`."""

    def __init__(self, code: str) -> None:
        if code not in ALL_CODES:
            # A typo'd code would reach users untranslated; fail where it is raised.
            raise ValueError(f"unknown rule violation code: {code!r}")
        super().__init__(code)
        self.code = code
