"""Presets, per-room limits and the rules in plain words (keys the Django layer translates)."""

from __future__ import annotations

import json

import pytest

from moderation.procedure import FREE, NANTANG, PRESETS, describe, rules_for
from moderation.procedure.presets import (
    DESCRIPTION_KEYS,
    LIMITS,
    InvalidRules,
    Rules,
    rules_from_data,
    rules_to_data,
)


def test_nantang_defaults_follow_the_thirteen_rules() -> None:
    rules = rules_for(NANTANG)
    assert rules.floor_required and rules.chair_neutral
    assert rules.alternate_sides and rules.first_speakers_first
    assert (rules.speech_seconds, rules.speeches_per_motion) == (120, 2)
    assert (rules.off_topic_warnings, rules.slow_mode_seconds, rules.amendment_depth) == (2, 0, 1)
    assert rules.pass_rule == "more_yes"


def test_free_discussion_has_no_floor_but_slow_mode() -> None:
    rules = rules_for(FREE)
    assert not rules.floor_required and not rules.chair_neutral
    assert (rules.slow_mode_seconds, rules.speeches_per_motion, rules.off_topic_warnings) == (
        30,
        None,
        2,
    )


def test_each_limit_is_adjustable_per_room_and_the_preset_is_untouched() -> None:
    rules = rules_for(
        NANTANG,
        {
            "speech_seconds": 90,
            "speeches_per_motion": None,
            "off_topic_warnings": 3,
            "slow_mode_seconds": 10,
            "amendment_depth": 0,
        },
    )
    assert (rules.speech_seconds, rules.speeches_per_motion, rules.off_topic_warnings) == (
        90,
        None,
        3,
    )
    assert (rules.slow_mode_seconds, rules.amendment_depth) == (10, 0)
    assert PRESETS[NANTANG].speech_seconds == 120
    assert {
        "speech_seconds",
        "speeches_per_motion",
        "off_topic_warnings",
        "slow_mode_seconds",
        "amendment_depth",
    } == LIMITS


@pytest.mark.parametrize(
    ("preset", "limits", "key"),
    [
        ("robert", {}, "preset"),
        (NANTANG, {"floor_required": False}, "floor_required"),  # flags are the preset's
        (NANTANG, {"speech_seconds": 0}, "speech_seconds"),
        (NANTANG, {"speech_seconds": 9}, "speech_seconds"),
        (NANTANG, {"speech_seconds": 3601}, "speech_seconds"),
        (NANTANG, {"speech_seconds": None}, "speech_seconds"),
        (NANTANG, {"speech_seconds": "120"}, "speech_seconds"),
        (NANTANG, {"speech_seconds": 120.5}, "speech_seconds"),
        (NANTANG, {"speeches_per_motion": 0}, "speeches_per_motion"),
        (NANTANG, {"speeches_per_motion": True}, "speeches_per_motion"),
        (NANTANG, {"off_topic_warnings": 0}, "off_topic_warnings"),
        (FREE, {"slow_mode_seconds": -1}, "slow_mode_seconds"),
        (FREE, {"amendment_depth": 2}, "amendment_depth"),
    ],
)
def test_a_bad_preset_or_limit_is_named(preset: str, limits: dict[str, object], key: str) -> None:
    with pytest.raises(InvalidRules) as error:
        rules_for(preset, limits)  # type: ignore[arg-type]
    assert error.value.key == key


def test_an_unknown_pass_rule_is_refused() -> None:
    with pytest.raises(InvalidRules) as error:
        Rules(**{**rules_to_data(PRESETS[NANTANG]), "pass_rule": "plurality"})  # type: ignore[arg-type]
    assert error.value.key == "pass_rule"


def test_nantang_in_plain_words() -> None:
    assert describe(rules_for(NANTANG)) == [
        ("motion_required", {}),
        ("second_required", {}),
        ("one_motion_at_a_time", {}),
        ("floor_required", {}),
        ("speech_time_limit", {"seconds": 120}),
        ("speeches_per_motion", {"count": 2}),
        ("first_speakers_first", {}),
        ("sides_alternate", {}),
        ("points_of_order_first", {}),
        ("chair_neutral", {}),
        ("off_topic_warnings", {"limit": 2}),
        ("amendments", {"depth": 1}),
        ("pass_more_yes_than_no", {}),
    ]


def test_free_discussion_in_plain_words() -> None:
    assert describe(rules_for(FREE)) == [
        ("second_required", {}),
        ("one_motion_at_a_time", {}),
        ("open_floor", {}),
        ("off_topic_warnings", {"limit": 2}),
        ("slow_mode", {"seconds": 30}),
        ("amendments", {"depth": 1}),
        ("pass_more_yes_than_no", {}),
    ]


def test_the_words_follow_the_rooms_limits() -> None:
    items = dict(
        describe(
            rules_for(
                NANTANG,
                {"speech_seconds": 60, "speeches_per_motion": None, "amendment_depth": 0},
            )
        )
    )
    assert items["speech_time_limit"] == {"seconds": 60}
    assert "speeches_per_motion" not in items
    assert "amendments" not in items and items["no_amendments"] == {}


@pytest.mark.parametrize("preset", [NANTANG, FREE])
def test_descriptions_use_stable_keys_and_json_params(preset: str) -> None:
    items = describe(rules_for(preset))
    assert {key for key, _ in items} <= DESCRIPTION_KEYS
    assert json.loads(json.dumps(items)) == [[key, params] for key, params in items]
    assert all(type(v) is int for _, params in items for v in params.values())


@pytest.mark.parametrize("preset", [NANTANG, FREE])
def test_rules_round_trip_through_json(preset: str) -> None:
    rules = rules_for(preset, {"speech_seconds": 45})
    assert rules_from_data(json.loads(json.dumps(rules_to_data(rules)))) == rules
