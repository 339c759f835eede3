"""The deliberation procedure (议事规则) of a room: pure rules, no Django, no clock.

The model
---------
A room is an immutable `RoomState` (state.py). Everything that happens to it is a command
(commands.py) given to `decide(state, command, now)` (engine.py), which either refuses it with
`RuleViolation(code)` (codes.py: stable snake_case codes, all in `ALL_CODES`) or returns the
new state and the events (events.py) that describe the change. `now` is seconds on the
server's clock, passed in; nothing here reads a clock or a random source. The new state is
always the events applied to the old one (replay.py), so `replay(initial, log)` rebuilds any
room from its event log, and `state_to_data` / `state_from_data` (snapshot.py) store it as
JSON in between.

The rules are data (presets.py): `rules_for("nantang" | "free", {limit: value})` gives a
room's `Rules`, which travel in its state; `describe(rules)` lists them as (key, params)
pairs for the Django layer to translate.

- "nantang" (南塘十三条, Robert's Rules as adapted in China): nothing is discussed without a
  motion; a motion needs a second from someone other than the mover before debate; one
  motion at a time (plus at most one amendment on it: moved during the main motion's
  debate, seconded, debated and voted, then the main motion's debate resumes); people raise
  a hand (pro / con / neutral) and speak only when the chair gives them the floor; each
  speech has a time limit (120 s) and each person a number of speeches per motion (2);
  `suggest_next(state)` (speaking_order.py) puts points of order first, then those who have
  not spoken on the motion, the side opposite the last speech's, and then the order asked;
  the chair neither argues, moves nor seconds (they hand over the chair to do so); the chair
  calls the vote when debate is over and announces the tally, which passes when ayes exceed
  noes (abstentions not counted, a tie fails).
- "free" (everyday rooms): no floor and no queue, anyone speaks, but slow mode (30 s between
  one person's speeches); motions and votes work as above.
- Points of order (nantang): anyone but the chair may raise one, also someone warned out or
  at the speech limit; it is heard first, on a point-of-order floor (`Floor.kind == "order"`)
  that is for procedure only: what is posted on it goes on the agenda item, never on a
  motion; it cannot move a motion or an amendment (`point_of_order_only`); a ruling on its
  holder ends it.
- Both: the chair may rule a posted speech off-topic; it counts a warning for its speaker on
  that motion (or on the agenda item, when no motion is pending), and at the room's limit
  (2) the speaker loses the floor and may not speak again on that motion; a ruling on a
  speaker already warned out also ends any floor they hold.

Phases (`RoomState.phase`, derived from the motion stack): waiting → motion_moved → debate →
voting → result → (next_item) waiting on the next agenda item. A new motion may also be
moved from result; an unseconded motion may be withdrawn by its mover or let lapse by the
chair.

Time: a speech carries `ends_at`; the first command at or after it (the layer's `Tick`, or
any other) ends the speech by itself (`speech.ended`, reason "time", at `ends_at`). The
chair may extend it (`time.extended`). When the chair disconnects the room pauses and the
clock stops (a speech keeps its remaining seconds, and gets `ends_at = now + remaining` on
resume); the chair's return, or the designated co-chair taking over, resumes it. While
paused only chair, presence and tick commands are accepted (`room_paused`).

What is not here: reactions (they change nothing the rules look at), ballots and their
tallies (the voting app counts; the result arrives as `AnnounceResult`), permissions of
who may join a room (the Django layer), and the text of speeches (the layer stores it;
the engine numbers speeches and records their authors for rulings).
"""

from moderation.procedure.codes import ALL_CODES, RuleViolation
from moderation.procedure.engine import decide
from moderation.procedure.events import Event, event_from_data, event_to_data
from moderation.procedure.presets import FREE, NANTANG, PRESETS, Rules, describe, rules_for
from moderation.procedure.replay import apply, replay
from moderation.procedure.snapshot import state_from_data, state_to_data
from moderation.procedure.speaking_order import speaking_order, suggest_next
from moderation.procedure.state import RoomState, new_room

__all__ = [
    "ALL_CODES",
    "FREE",
    "NANTANG",
    "PRESETS",
    "Event",
    "RoomState",
    "RuleViolation",
    "Rules",
    "apply",
    "decide",
    "describe",
    "event_from_data",
    "event_to_data",
    "new_room",
    "replay",
    "rules_for",
    "speaking_order",
    "state_from_data",
    "state_to_data",
    "suggest_next",
]
