"""A point of order (程序问题) is about procedure and is answered by the chair; it is never a
way around the speech limits (issue 15, item 17).

Anyone may raise one, also a member who is warned out on the motion or has used all their
speeches on it: asking the chair to keep the rules is not debate (Robert's Rules; 南塘十三条
rule 10, the chair rules on procedure). It comes before the hands in the queue, as a point of
order. The floor it gives is a point-of-order floor: what is posted on it is the procedural
point, recorded on the agenda item and never on a motion (so it neither counts as nor
stands for a speech on the motion, seconded or not); it cannot move a motion or an
amendment; and a ruling of the chair on its holder ends it.
"""

from __future__ import annotations

from moderation.procedure import commands as c
from moderation.procedure import events as ev
from moderation.procedure import speaking_order, suggest_next
from tests.moderation.test_procedure_scenes import (
    CHAIR,
    A,
    B,
    C,
    Room,
    debate,
    hands,
    moved,
    posted,
    waiting,
)


def both_speeches_used() -> Room:
    """A has spoken twice on motion 1 (the limit) and holds no floor."""
    room = hands(debate(), (A, "pro"))
    room.do(c.GiveFloor(CHAIR, A))
    room.do(c.RaiseHand(A, "pro"))
    room.do(c.YieldFloor(A))
    room.do(c.GiveFloor(CHAIR, A))
    room.do(c.YieldFloor(A))
    return room


def warned_out() -> Room:
    """A was ruled off-topic once with a limit of one: warned out on motion 1, no floor."""
    room = posted(limits={"off_topic_warnings": 1})
    room.do(c.RuleOffTopic(CHAIR, 1))
    return room


def on_a_point_of_order(room: Room, user: int = A) -> Room:
    """`user` raises a point of order and the chair gives them the floor for it."""
    room.do(c.PointOfOrder(user))
    room.do(c.GiveFloor(CHAIR, user), at=room.now + 1)
    return room


# -- may raise it, and it is heard first, as a point of order ----------------------------


def test_a_member_who_used_both_speeches_may_raise_a_point_of_order_heard_as_one() -> None:
    room = both_speeches_used()
    room.do(c.RaiseHand(B, "con"))
    assert room.types(c.PointOfOrder(A)) == ["point.raised"]
    first = speaking_order(room.state)[0]
    assert (first.user, first.kind, first.motion) == (A, "order", None)
    assert suggest_next(room.state) == A
    assert [e.type for e in room.do(c.GiveFloor(CHAIR, A))] == ["floor.given"]
    floor = room.state.floor
    assert floor is not None and (floor.kind, floor.motion, floor.side) == ("order", None, None)


def test_a_warned_out_member_may_raise_a_point_of_order_but_gets_no_speech_floor() -> None:
    room = on_a_point_of_order(warned_out())
    assert room.state.floor is not None and room.state.floor.kind == "order"
    room.do(c.YieldFloor(A))
    assert room.refused(c.GiveFloor(CHAIR, A)) == "not_in_queue"


# -- what is posted on it is the procedural point, never a speech on the motion ----------


def test_a_member_who_used_both_speeches_cannot_speak_on_the_motion_on_a_point_of_order() -> None:
    room = on_a_point_of_order(both_speeches_used())
    (posted_event,) = room.do(c.Speak(A, 300), at=room.now + 1)
    assert posted_event == ev.SpeechPosted(1, A, None, 300, room.now)
    top = room.state.top
    assert top is not None and top.talk.post(1) is None and top.talk.speeches_of(A) == 2
    assert room.state.talk.post(1) is not None  # recorded on the agenda item


def test_a_warned_out_member_cannot_speak_on_the_motion_on_a_point_of_order() -> None:
    room = on_a_point_of_order(warned_out())
    (posted_event,) = room.do(c.Speak(A, 300))
    assert isinstance(posted_event, ev.SpeechPosted) and posted_event.motion is None
    top = room.state.top
    assert top is not None and [p.speech for p in top.talk.posts] == [1]


def test_a_point_of_order_on_an_unseconded_motion_is_not_posted_on_it() -> None:
    room = on_a_point_of_order(moved())
    (posted_event,) = room.do(c.Speak(A, 40))
    assert isinstance(posted_event, ev.SpeechPosted) and posted_event.motion is None
    top = room.state.top
    assert top is not None and top.status == "moved" and top.talk.posts == ()


# -- it cannot move a motion or an amendment ---------------------------------------------


def test_a_point_of_order_floor_cannot_move_a_motion() -> None:
    room = on_a_point_of_order(waiting())
    assert room.refused(c.Move(A, "Paint it red")) == "point_of_order_only"
    room.do(c.YieldFloor(A))
    assert room.types(c.Move(A, "Paint it red")) == ["motion.moved"]


def test_a_point_of_order_floor_cannot_move_a_motion_and_then_post_on_it_unseconded() -> None:
    room = on_a_point_of_order(waiting())
    assert room.refused(c.Move(A, "Paint it red")) == "point_of_order_only"
    room.do(c.Speak(A, 40))
    assert room.state.motions == () and room.state.talk.post(1) is not None


def test_a_point_of_order_floor_cannot_move_an_amendment() -> None:
    room = on_a_point_of_order(debate())
    assert room.refused(c.Amend(A, "Green, not grey")) == "point_of_order_only"


def test_the_speaker_on_the_motion_still_may_move_an_amendment() -> None:
    room = posted()
    assert room.types(c.Amend(A, "Green, not grey")) == ["motion.moved"]


# -- the chair answers it: a ruling ends it ----------------------------------------------


def test_ruling_a_warned_out_speaker_ends_the_floor_they_hold() -> None:
    """A is warned out on the motion (two rulings) while an earlier speech of theirs is
    still unruled; a ruling on that speech ends the point-of-order floor A holds now."""
    room = posted()  # speech 1 by A
    room.do(c.Speak(A, 30))  # speech 2, not ruled yet
    room.do(c.RuleOffTopic(CHAIR, 1))
    room.do(c.RaiseHand(A, "pro"))
    room.do(c.YieldFloor(A))
    room.do(c.GiveFloor(CHAIR, A))
    room.do(c.Speak(A, 30))  # speech 3
    room.do(c.RuleOffTopic(CHAIR, 3))  # the second warning: warned out, the floor ends
    assert room.state.floor is None and A in room.state.motions[0].talk.warned_out
    on_a_point_of_order(room)
    assert room.do(c.RuleOffTopic(CHAIR, 2), at=room.now + 1) == (
        ev.RuledOffTopic(2, A, 1, 3),
        ev.SpeechEnded(A, "ruled_off_topic", room.now),
    )
    assert room.state.floor is None


def test_a_point_of_order_the_chair_rules_off_topic_is_over() -> None:
    room = on_a_point_of_order(debate(), B)
    room.do(c.Speak(B, 400))
    assert room.do(c.RuleOffTopic(CHAIR, 1), at=room.now + 1) == (
        ev.RuledOffTopic(1, B, None, 1),
        ev.SpeechEnded(B, "ruled_off_topic", room.now),
    )
    assert room.state.floor is None
    # The warning is on the agenda item, not on the motion: B may still debate it.
    assert room.types(c.RaiseHand(B, "con")) == ["hand.raised"]


def test_a_point_of_order_does_not_count_as_a_speech_or_a_side() -> None:
    room = hands(debate(), (A, "pro"), (C, "con"))
    room.do(c.GiveFloor(CHAIR, A))
    room.do(c.YieldFloor(A))
    on_a_point_of_order(room, B)
    room.do(c.Speak(B, 40))
    room.do(c.YieldFloor(B))
    top = room.state.top
    assert top is not None and top.talk.speeches_of(B) == 0 and top.talk.last_side == "pro"
    assert suggest_next(room.state) == C
