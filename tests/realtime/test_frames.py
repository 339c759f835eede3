"""The inbound frame grammar of docs/protocol.md, checked at the edge. Pure, no database."""

import json

import pytest

from realtime import frames


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"op":"ping"}', frames.Ping(None)),
        ('{"op":"ping","ref":"a1"}', frames.Ping("a1")),
        ('{"op":"sub","stream":"board.12"}', frames.Sub("board.12", None, None)),
        ('{"op":"sub","stream":"board.12","since":0}', frames.Sub("board.12", 0, None)),
        ('{"op":"sub","stream":"room.3","since":41,"ref":"x"}', frames.Sub("room.3", 41, "x")),
        ('{"op":"unsub","stream":"topic.9"}', frames.Unsub("topic.9", None)),
        (
            '{"op":"do","stream":"board.1","action":"topic.create","data":{"body":"hi"}}',
            frames.Do("board.1", "topic.create", {"body": "hi"}, None),
        ),
        (
            '{"op":"do","stream":"board.1","action":"hand.raise"}',
            frames.Do("board.1", "hand.raise", {}, None),
        ),
    ],
)
def test_valid_frames_parse(text: str, expected: frames.Request) -> None:
    assert frames.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json", "not JSON"),
        ("[1,2]", "a frame is a JSON object"),
        ('"sub"', "a frame is a JSON object"),
        ("{}", "unknown op"),
        ('{"op":"shout"}', "unknown op"),
        ('{"op":"sub"}', "stream must be a string"),
        ('{"op":"sub","stream":12}', "stream must be a string"),
        ('{"op":"sub","stream":"board"}', "stream must look like kind.id"),
        ('{"op":"sub","stream":"board.0"}', "stream must look like kind.id"),
        ('{"op":"sub","stream":"board.-1"}', "stream must look like kind.id"),
        ('{"op":"sub","stream":"Board.1"}', "stream must look like kind.id"),
        ('{"op":"sub","stream":"board.1 "}', "stream must look like kind.id"),
        ('{"op":"sub","stream":"board.1","since":-1}', "since must be a non-negative integer"),
        ('{"op":"sub","stream":"board.1","since":"3"}', "since must be a non-negative integer"),
        ('{"op":"sub","stream":"board.1","since":true}', "since must be a non-negative integer"),
        ('{"op":"sub","stream":"board.1","since":1.5}', "since must be a non-negative integer"),
        ('{"op":"do","stream":"board.1"}', "action must be a name"),
        ('{"op":"do","stream":"board.1","action":"DROP TABLE"}', "action must be a name"),
        ('{"op":"do","stream":"board.1","action":"a","data":[1]}', "data must be an object"),
        ('{"op":"ping","ref":5}', "ref must be a short string"),
        ('{"op":"ping","ref":"' + "r" * 65 + '"}', "ref must be a short string"),
    ],
)
def test_malformed_frames_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(frames.FrameError) as raised:
        frames.parse(text)
    assert raised.value.reason == reason


@pytest.mark.parametrize(
    ("text", "code", "ref"),
    [
        ("[" * 100_000, "too_deep", None),
        ('{"op":"ping","ref":"r","x":' + "[" * 33 + "]" * 33 + "}", "too_deep", None),
        (
            '{"op":"do","stream":"board.1","action":"a","data":{"b":"\\u0000"},"ref":"r"}',
            "control_character",
            "r",
        ),
        (
            '{"op":"do","stream":"board.1","action":"a","data":{"b\\u0007":1},"ref":"r"}',
            "control_character",
            "r",
        ),
        (
            '{"op":"do","stream":"board.1","action":"a","data":{"b":["\\u202e"]},"ref":"r"}',
            "control_character",
            "r",
        ),
        (
            '{"op":"do","stream":"board.1","action":"a","data":{"b":"\\ud800"},"ref":"r"}',
            "invalid_text",
            "r",
        ),
        ('{"op":"ping","ref":"\\u0000"}', "invalid", None),
    ],
)
def test_deep_frames_and_control_characters_are_refused_with_their_code(
    text: str, code: str, ref: str | None
) -> None:
    # A frame with a NUL, a control character or a lone surrogate in any string, or nested
    # deeper than the limit, is refused before any handler sees it.
    with pytest.raises(frames.FrameError) as raised:
        frames.parse(text)
    assert (raised.value.code, raised.value.ref) == (code, ref)


def test_the_nesting_limit_itself_is_allowed() -> None:
    nested = "[" * 30 + "]" * 30  # plus the frame and its data: 32 levels
    assert frames.parse('{"op":"do","stream":"board.1","action":"a","data":{"x":' + nested + "}}")


def test_a_refused_frame_keeps_its_ref_so_the_client_can_match_the_error() -> None:
    with pytest.raises(frames.FrameError) as raised:
        frames.parse('{"op":"sub","stream":"nope","ref":"r7"}')
    assert raised.value.ref == "r7"


def test_outbound_frames_follow_the_contract() -> None:
    ev = json.loads(
        frames.event("board.1", 3, "topic.created", "2026-11-28T02:00:00Z", {"t": "猫"})
    )
    assert ev == {
        "op": "ev",
        "stream": "board.1",
        "seq": 3,
        "type": "topic.created",
        "at": "2026-11-28T02:00:00Z",
        "data": {"t": "猫"},
    }
    assert "seq" not in json.loads(frames.ephemeral("room.1", "typing", {}))
    assert json.loads(frames.err("forbidden", "不可以", "r1")) == {
        "op": "err",
        "code": "forbidden",
        "message": "不可以",
        "ref": "r1",
    }
    assert json.loads(frames.subbed("board.1", 4, None)) == {
        "op": "subbed",
        "stream": "board.1",
        "seq": 4,
    }
    assert json.loads(frames.resync("board.1", 9, "r")) == {
        "op": "resync",
        "stream": "board.1",
        "seq": 9,
        "ref": "r",
    }
    assert json.loads(frames.ok("r2", {"id": 1})) == {"op": "ok", "data": {"id": 1}, "ref": "r2"}
    assert json.loads(frames.pong(None)) == {"op": "pong"}


@pytest.mark.parametrize("name", ["board.1\n", "board.1\n\n", " board.1"])
def test_stream_names_match_whole(name: str) -> None:
    with pytest.raises(frames.FrameError):
        frames.parse_stream(name)
