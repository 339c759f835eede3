"""core/jsondepth.py: JSON nesting measured without recursion (pure, no database)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import jsondepth
from core.jsondepth import MAX_DEPTH, TooDeep


def test_five_thousand_levels_are_refused_not_a_recursion_error() -> None:
    for deep in ("[" * 5000 + "]" * 5000, '{"a":' * 5000 + "1" + "}" * 5000, "[" * 100_000):
        with pytest.raises(TooDeep):
            jsondepth.loads(deep)


def test_the_limit_itself_is_allowed() -> None:
    at_limit = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert jsondepth.depth(at_limit) == MAX_DEPTH
    assert jsondepth.loads(at_limit) is not None
    with pytest.raises(TooDeep):
        jsondepth.loads("[" + at_limit + "]")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant: str) -> None:
    with pytest.raises(ValueError, match="not JSON"):
        jsondepth.loads(f'{{"a": [{constant}]}}')


def test_brackets_inside_strings_do_not_count() -> None:
    tricky = json.dumps({"a": "[[[[{{{{" * 100, "b": ['\\"[[[', "\\\\"]})
    assert jsondepth.depth(tricky) == 2
    assert jsondepth.loads(tricky)["b"] == ['\\"[[[', "\\\\"]


def test_an_unterminated_string_runs_to_the_end_of_the_text() -> None:
    # JSON stops at an unterminated string, so nothing after it is nested. A scan that
    # restarted at each escaped quote inside it took minutes on one 64 KiB frame.
    for tail in ("", "\\", "[[[["):
        assert jsondepth.depth('[{"a": "' + '\\"' * 32_000 + tail) == 2
    with pytest.raises(ValueError, match="Unterminated string"):
        jsondepth.loads('["' + '\\"' * 32_000)


def test_strings_walks_keys_and_values_of_deep_values_without_recursion() -> None:
    value: object = "leaf"
    for level in range(10_000):
        value = {f"k{level}": [value]}
    found = list(jsondepth.strings(value))
    assert "leaf" in found and "k0" in found and len(found) == 10_001


json_values: st.SearchStrategy[object] = st.deferred(
    lambda: (
        st.none()
        | st.booleans()
        | st.integers()
        | st.text()
        | st.lists(json_values, max_size=3)
        | st.dictionaries(st.text(), json_values, max_size=3)
    )
)


def _nesting(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((_nesting(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_nesting(v) for v in value.values()), default=0)
    return 0


@given(json_values)
def test_depth_matches_the_parsed_nesting(value: object) -> None:
    encoded = json.dumps(value)
    assert jsondepth.depth(encoded) == _nesting(value)
    assert jsondepth.loads(encoded) == value
    assert sorted(jsondepth.strings(value)) == sorted(_strings_recursively(value))


def _strings_recursively(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings_recursively(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings_recursively(v)]]
    return []
