"""What people read for each RuleViolation code and each rule of a preset, translated."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from moderation.procedure import presets

VIOLATIONS: dict[str, Promise] = {
    "not_chair": _("Only the chair can do this."),
    "not_co_chair": _("Only the designated co-chair can take over the chair."),
    "chair_is_present": _(
        "The chair is here; the co-chair takes over only when the chair is away."
    ),
    "chair_must_stay_neutral": _(
        "The chair stays neutral: hand over the chair to argue a side, move or second."
    ),
    "not_mover": _("Only the mover or the chair can withdraw this motion."),
    "no_floor": _("This room has free discussion: there is no floor to ask for."),
    "not_your_turn": _("It is not your turn: raise your hand and wait for the chair."),
    "floor_taken": _("Someone has the floor; wait until they finish."),
    "no_speech": _("Nobody has the floor."),
    "already_in_queue": _("You are in the queue already."),
    "not_in_queue": _("You are not in the queue."),
    "speech_limit_reached": _("You have spoken on this motion as often as the rules allow."),
    "warned_out": _("After the chair's warnings you may not speak again on this motion."),
    "slow_mode": _("Slow mode: please wait a little before speaking again."),
    "point_of_order_only": _(
        "The floor for a point of order is for the procedural point only: no motion or "
        "amendment can be moved on it."
    ),
    "no_motion": _("Nothing is discussed without a motion: move one first."),
    "motion_pending": _("One motion at a time: finish the current one first."),
    "cannot_second_own_motion": _("Someone other than the mover must second the motion."),
    "not_seconded": _("The motion must be seconded first."),
    "already_seconded": _("The motion has been seconded already."),
    "amendment_not_allowed": _("An amendment is not allowed now."),
    "wrong_phase": _("This is not possible at this stage of the motion."),
    "agenda_finished": _("That was the last agenda item."),
    "no_such_speech": _("No such recent speech on what is being discussed."),
    "already_ruled": _("The chair has ruled on this speech already."),
    "room_paused": _("The room is paused."),
    "room_not_paused": _("The room is not paused."),
    "invalid_argument": _("Please check what you entered."),
}


def violation(code: str) -> Promise:
    return VIOLATIONS.get(code, _("This is not allowed by the room's rules."))


RULES: dict[str, Promise] = {
    presets.MOTION_REQUIRED: _("Nothing is discussed without a motion."),
    presets.SECOND_REQUIRED: _("A motion needs a second (附议) before debate."),
    presets.ONE_MOTION_AT_A_TIME: _("One motion at a time."),
    presets.FLOOR_REQUIRED: _("Speak only when the chair gives you the floor."),
    presets.SPEECH_TIME_LIMIT: _("Each speech at most %(seconds)s seconds."),
    presets.OPEN_FLOOR: _("Anyone may speak; no floor is needed."),
    presets.SPEECHES_PER_MOTION: _("At most %(count)s speeches per person per motion."),
    presets.FIRST_SPEAKERS_FIRST: _("Those who have not spoken on the motion go first."),
    presets.SIDES_ALTERNATE: _("For and against speak in turn."),
    presets.POINTS_OF_ORDER_FIRST: _(
        "A point of order comes before everyone else and the chair answers it; it is about "
        "procedure only and is not a speech on the motion."
    ),
    presets.CHAIR_NEUTRAL: _("The chair stays neutral."),
    presets.OFF_TOPIC_WARNINGS: _(
        "Speech the chair rules off-topic is collapsed; after %(limit)s warnings the speaker "
        "may not speak again on the motion."
    ),
    presets.SLOW_MODE: _("Slow mode: one speech per person every %(seconds)s seconds."),
    presets.AMENDMENTS: _("Amendments are moved, seconded, debated and voted before the motion."),
    presets.NO_AMENDMENTS: _("No amendments."),
    presets.PASS_MORE_YES_THAN_NO: _(
        "A motion passes when ayes exceed noes; abstentions do not count; a tie fails."
    ),
}


def describe(rules: presets.Rules) -> list[str]:
    """The room's rules in plain words, in the order a participant reads them."""
    return [
        str(RULES[key]) % params if params else str(RULES[key])
        for key, params in presets.describe(rules)
    ]
