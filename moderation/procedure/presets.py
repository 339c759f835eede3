"""Rules of procedure as data: two presets, limits adjustable per room, plain-words keys.

A room's `Rules` are fixed when it opens and travel inside its state, so `decide` needs
nothing else. The flags belong to the preset; the limits (`LIMITS`) may be adjusted per room
with `rules_for(preset, {limit: value})`. `describe(rules)` lists what applies as
`(key, params)` items that the Django layer translates ("each speech at most {seconds} s").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Final, Literal

NANTANG: Final = "nantang"  # 南塘十三条: Robert's Rules as adapted in China
FREE: Final = "free"  # free discussion for everyday rooms

# 南塘十三条 rule 13: passes when ayes exceed noes; abstentions do not count; a tie fails.
PassRule = Literal["more_yes"]
PASS_RULES: Final = frozenset({"more_yes"})


class InvalidRules(ValueError):
    """A preset or limit that cannot be used; `key` names it (a form field in the layer)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


@dataclass(frozen=True)
class Rules:
    """What a room enforces. Times are whole seconds; a count of None means no limit."""

    preset: str
    # Flags, set by the preset.
    floor_required: bool  # speak only when the chair gives the floor, on a seconded motion
    chair_neutral: bool  # the chair neither argues, moves nor seconds
    alternate_sides: bool  # suggest pro and con in turn
    first_speakers_first: bool  # suggest those who have not spoken on the motion first
    pass_rule: PassRule
    # Limits, adjustable per room.
    speech_seconds: int
    speeches_per_motion: int | None
    off_topic_warnings: int
    slow_mode_seconds: int
    amendment_depth: int

    def __post_init__(self) -> None:
        if self.pass_rule not in PASS_RULES:
            raise InvalidRules("pass_rule", f"unknown pass rule {self.pass_rule!r}")
        for name, (low, high) in LIMIT_BOUNDS.items():
            value = getattr(self, name)
            if value is None and name in OPTIONAL_LIMITS:
                continue
            # bool is an int; a checkbox sent as a limit is a mistake, not 1.
            if type(value) is not int or not low <= value <= high:
                raise InvalidRules(name, f"must be a whole number from {low} to {high}")


# Inclusive bounds of each limit. Amendments nest one deep at most: an amendment of an
# amendment is rarely understood in a neighborhood meeting, and the engine keeps a stack of
# at most two motions.
LIMIT_BOUNDS: Final[dict[str, tuple[int, int]]] = {
    "speech_seconds": (10, 3600),
    "speeches_per_motion": (1, 100),
    "off_topic_warnings": (1, 10),
    "slow_mode_seconds": (0, 3600),
    "amendment_depth": (0, 1),
}
OPTIONAL_LIMITS: Final = frozenset({"speeches_per_motion"})
LIMITS: Final = frozenset(LIMIT_BOUNDS)

PRESETS: Final[dict[str, Rules]] = {
    NANTANG: Rules(
        preset=NANTANG,
        floor_required=True,
        chair_neutral=True,
        alternate_sides=True,
        first_speakers_first=True,
        pass_rule="more_yes",
        speech_seconds=120,
        speeches_per_motion=2,
        off_topic_warnings=2,
        slow_mode_seconds=0,
        amendment_depth=1,
    ),
    FREE: Rules(
        preset=FREE,
        floor_required=False,
        chair_neutral=False,
        alternate_sides=False,
        first_speakers_first=False,
        pass_rule="more_yes",
        speech_seconds=120,
        speeches_per_motion=None,
        off_topic_warnings=2,
        slow_mode_seconds=30,
        amendment_depth=1,
    ),
}


def rules_for(preset: str, limits: Mapping[str, int | None] | None = None) -> Rules:
    """The preset's rules with this room's limits; `InvalidRules` names a bad one."""
    try:
        rules = PRESETS[preset]
    except KeyError:
        raise InvalidRules("preset", f"unknown preset {preset!r}") from None
    changes = dict(limits or {})
    for key in changes:
        if key not in LIMITS:
            raise InvalidRules(key, "not an adjustable limit")
    return replace(rules, **changes)  # type: ignore[arg-type]  # checked in __post_init__


# Stable keys of `describe`, one per rule a participant should know.
MOTION_REQUIRED: Final = "motion_required"
SECOND_REQUIRED: Final = "second_required"
ONE_MOTION_AT_A_TIME: Final = "one_motion_at_a_time"
FLOOR_REQUIRED: Final = "floor_required"
OPEN_FLOOR: Final = "open_floor"
SPEECH_TIME_LIMIT: Final = "speech_time_limit"
SPEECHES_PER_MOTION: Final = "speeches_per_motion"
SIDES_ALTERNATE: Final = "sides_alternate"
FIRST_SPEAKERS_FIRST: Final = "first_speakers_first"
POINTS_OF_ORDER_FIRST: Final = "points_of_order_first"
CHAIR_NEUTRAL: Final = "chair_neutral"
OFF_TOPIC_WARNINGS: Final = "off_topic_warnings"
SLOW_MODE: Final = "slow_mode"
AMENDMENTS: Final = "amendments"
NO_AMENDMENTS: Final = "no_amendments"
PASS_MORE_YES_THAN_NO: Final = "pass_more_yes_than_no"

DESCRIPTION_KEYS: Final = frozenset(
    {
        MOTION_REQUIRED,
        SECOND_REQUIRED,
        ONE_MOTION_AT_A_TIME,
        FLOOR_REQUIRED,
        OPEN_FLOOR,
        SPEECH_TIME_LIMIT,
        SPEECHES_PER_MOTION,
        SIDES_ALTERNATE,
        FIRST_SPEAKERS_FIRST,
        POINTS_OF_ORDER_FIRST,
        CHAIR_NEUTRAL,
        OFF_TOPIC_WARNINGS,
        SLOW_MODE,
        AMENDMENTS,
        NO_AMENDMENTS,
        PASS_MORE_YES_THAN_NO,
    }
)


def describe(rules: Rules) -> list[tuple[str, dict[str, int]]]:
    """The rules in the order a participant reads them, as (key, params) to translate.

    E.g. ("speech_time_limit", {"seconds": 120}) -> "每次发言不超过 120 秒".
    """
    items: list[tuple[str, dict[str, int]]] = []
    if rules.floor_required:
        items.append((MOTION_REQUIRED, {}))
    items += [(SECOND_REQUIRED, {}), (ONE_MOTION_AT_A_TIME, {})]
    if rules.floor_required:
        items.append((FLOOR_REQUIRED, {}))
        items.append((SPEECH_TIME_LIMIT, {"seconds": rules.speech_seconds}))
    else:
        items.append((OPEN_FLOOR, {}))
    if rules.speeches_per_motion is not None:
        items.append((SPEECHES_PER_MOTION, {"count": rules.speeches_per_motion}))
    if rules.floor_required and rules.first_speakers_first:
        items.append((FIRST_SPEAKERS_FIRST, {}))
    if rules.floor_required and rules.alternate_sides:
        items.append((SIDES_ALTERNATE, {}))
    if rules.floor_required:
        items.append((POINTS_OF_ORDER_FIRST, {}))
    if rules.chair_neutral:
        items.append((CHAIR_NEUTRAL, {}))
    items.append((OFF_TOPIC_WARNINGS, {"limit": rules.off_topic_warnings}))
    if rules.slow_mode_seconds:
        items.append((SLOW_MODE, {"seconds": rules.slow_mode_seconds}))
    if rules.amendment_depth:
        items.append((AMENDMENTS, {"depth": rules.amendment_depth}))
    else:
        items.append((NO_AMENDMENTS, {}))
    items.append((PASS_MORE_YES_THAN_NO, {}))
    return items


def rules_to_data(rules: Rules) -> dict[str, str | int | bool | None]:
    return {f.name: getattr(rules, f.name) for f in fields(rules)}


def rules_from_data(data: Mapping[str, object]) -> Rules:
    return Rules(**{f.name: data[f.name] for f in fields(Rules)})  # type: ignore[arg-type]
