"""The rooms bench's client process: a room's participants and its chair, one socket each.

Sockets, framing, tokens and `ref`-ed requests are bench.clients' and bench.voting_clients'
own (`Conn`, `handshake`, `VotePool`, `VoteConn`, `connect`, `send`); this module adds what
a meeting needs: every event of room.<id> each socket reads (seq, read time, kernel arrival
time), the reactions each socket reads, and the scripted meeting itself, driven over the
sockets with `do` `room.<action>` frames.

The chair decides as a chair's console would: its socket's events are replayed into a
RoomState with the room's own pure engine (moderation.procedure, no Django), and the floor
goes to `suggest_next` of that state. Participants raise and withdraw hands only when that
state allows it, so refusals are races, counted by code.

Run as `python -m bench.rooms_clients`; JSON commands on stdin, one per line:

- {"cmd": "connect", ...}: bench.voting_clients' (one token and one stream per socket).
- {"cmd": "send", "kind": "ping", "window"}: bench.voting_clients' (the ping baseline).
- {"cmd": "room", "stream", "chair", "state"}: the room's stream, its chair's socket id and
  its state (`state_to_data`) before any event.
- {"cmd": "record"}: forget what was recorded; record from now on.
- {"cmd": "meeting", "window", "hand_rate", "raise_share", "react_rate", "seed", ...}: the
  meeting (see `meeting`); answers when it is over and every command was answered.
- {"cmd": "dump", "path"}: stop recording; write `path` (JSON: requests, events, causes)
  and the deliveries as raw arrays beside it (`path`.<name>, see DELIVERY_ARRAYS).
- {"cmd": "status"}, {"cmd": "exit"}.

Times are `time.time()`, one clock for every process on the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import gc
import json
import random
import time
from array import array
from typing import Any

from bench import clients, voting_clients
from bench.clients import EV_PREFIX, OP_TEXT
from bench.voting_clients import VoteConn, VotePool
from moderation.procedure import suggest_next
from moderation.procedure.events import EVENT_TYPES, event_from_data
from moderation.procedure.replay import apply
from moderation.procedure.snapshot import state_from_data
from moderation.procedure.state import RoomState

SIDES = ("pro", "con", "neutral")
SIDE_WEIGHTS = (0.4, 0.4, 0.2)
EMOJI = ("👍", "👏", "🤔", "❓")
PHRASES = (
    "我同意在3号楼前划定临时车位",
    "但要先问问一楼住户的意见",
    "晚上十点以后车辆进出会影响休息",
    "可以先试行三个月再看效果",
    "物业应当公布停车收入和支出",
    "消防通道必须保持畅通",
    "老人和残障人士的车位要优先安排",
    "建议按楼栋轮流分配",
    "收费标准应该经过业主大会",
    "我反对占用绿地",
)
# Deliveries: what each socket read, one entry per frame, in the order it read them.
DELIVERY_ARRAYS = {
    "ev_sock": "q",  # socket id (user id)
    "ev_seq": "q",
    "ev_read": "d",  # time.time() when this process read the frame
    "ev_wire": "d",  # the kernel's arrival timestamp of that read
    "re_sock": "q",  # reactions (ephemeral, no seq): socket id
    "re_user": "q",  # who reacted
    "re_read": "d",
    "re_wire": "d",
}


def _int_after(payload: bytes, key: bytes, start: int = 0) -> int:
    """The integer after `key` in a compact JSON frame (no parse of the whole frame)."""
    at = payload.index(key, start) + len(key)
    end = at
    while payload[end] in b"0123456789":
        end += 1
    return int(payload[at:end])


def _fields(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """What is kept of an event's data: the engine's own fields (not the names, nor a
    speech's text); of anything else (the baseline's events) nothing but its time."""
    known = EVENT_TYPES.get(kind)
    if known is None:
        return {"t": data.get("t")}
    return {f.name: data[f.name] for f in dataclasses.fields(known)}


def event_key(kind: str, data: dict[str, Any]) -> str:
    """What ties an event to the command that caused it: its type, its person and, for a
    speech's end, why (a yield is a command; the end of the time is the server's)."""
    reason = f":{data['reason']}" if kind == "speech.ended" else ""
    return f"{kind}{reason}:{data.get('user')}"


class RoomPool(VotePool):
    def __init__(self) -> None:
        super().__init__()
        self.stream = ""
        self.chair = 0
        self.state: RoomState | None = None
        self.changed = asyncio.Event()
        self.arrays: dict[str, array[Any]] = {}
        # seq -> {"type", "at" (epoch s), "bytes", "data" (scalars), "first" (read)}
        self.events: dict[int, dict[str, Any]] = {}
        self.expected: dict[str, str] = {}  # event key -> ref of the command expecting it
        self.causes: dict[int, str] = {}  # seq -> ref of the command that caused it
        self.inflight: dict[str, tuple[str | None, int]] = {}  # ref -> (event key, user)
        self.busy: set[int] = set()  # users whose hand command is on its way
        self.count = 0
        self.callback_errors = 0
        self.reset()

    def reset(self) -> None:
        self.arrays = {name: array(code) for name, code in DELIVERY_ARRAYS.items()}
        self.requests.clear()
        self.causes.clear()
        self.order_errors = 0

    # what the sockets read ------------------------------------------------------------

    def first(self, seq: int, payload: bytes, now: float) -> None:
        """The first receipt of an event by any socket: what it is, what caused it."""
        message = json.loads(payload)
        kind, data = message["type"], message["data"]
        at = dt.datetime.fromisoformat(message["at"].replace("Z", "+00:00")).timestamp()
        self.events[seq] = {
            "type": kind,
            "at": at,
            "bytes": len(payload),
            "data": _fields(kind, data),
            "first": now,
        }
        ref = self.expected.pop(event_key(kind, data), None)
        if ref is not None:
            self.causes[seq] = ref

    def chair_read(self, seq: int) -> None:
        """The chair's console follows the room: its socket's events, replayed."""
        event = self.events[seq]
        if self.state is not None and event["type"] in EVENT_TYPES:
            self.state = apply(
                self.state, event_from_data({"type": event["type"], **event["data"]})
            )
        ref = self.causes.get(seq)
        if ref is not None:  # the chair's view shows it now: that person may act again
            self.busy.discard(int(ref.split(".")[1]))
        self.changed.set()

    def answered(self, ref: str, op: str | None) -> None:
        key, user = self.inflight.pop(ref, (None, 0))
        if op == "err":
            self.busy.discard(user)
            if key is not None and self.expected.get(key) == ref:
                del self.expected[key]
        self.changed.set()

    # what the participants send --------------------------------------------------------

    def command(self, user: int, action: str, data: dict[str, Any], expect: str | None) -> str:
        """`do` room.<action> on the user's own socket; `expect`: the event it causes."""
        self.count += 1
        ref = f"{action}.{user}.{self.count}"
        body = {"op": "do", "stream": self.stream, "action": f"room.{action}", "data": data}
        frame = clients.client_frame(
            OP_TEXT, json.dumps({**body, "ref": ref}, ensure_ascii=False).encode()
        )
        if expect is not None:
            self.expected[expect] = ref
        self.inflight[ref] = (expect, user)
        self.requests[ref] = [time.time(), None, None, None, None]
        self.by_id[user].send(frame)
        return ref


class RoomConn(VoteConn):
    pool: RoomPool

    def _text(self, payload: bytes, now: float, arrived: float) -> None:
        pool = self.pool
        if not payload.startswith(EV_PREFIX):
            super()._text(payload, now, arrived)  # replies (VotePool.requests) and subbed
            message = json.loads(payload)
            if message.get("ref") in pool.inflight:
                pool.answered(message["ref"], message.get("op"))
            return
        if payload.find(b'"seq":', 0, 64) < 0:  # ephemeral: a reaction
            if pool.recording and b'"type":"room.reaction"' in payload:
                a = pool.arrays
                a["re_sock"].append(self.ident)
                a["re_user"].append(_int_after(payload, b'"user":'))
                a["re_read"].append(now)
                a["re_wire"].append(arrived)
            return
        seq = _int_after(payload, b'"seq":')
        if self.last_seq is not None and seq != self.last_seq + 1:
            pool.order_errors += 1
        self.last_seq = seq
        if pool.recording:
            a = pool.arrays
            a["ev_sock"].append(self.ident)
            a["ev_seq"].append(seq)
            a["ev_read"].append(now)
            a["ev_wire"].append(arrived)
        if seq not in pool.events:
            pool.first(seq, payload, now)
        if self.ident == pool.chair:
            pool.chair_read(seq)


# the meeting ---------------------------------------------------------------------------


class Meeting:
    """One motion's debate: hands, the floor, speeches and reactions, for `window` s."""

    def __init__(self, pool: RoomPool, cmd: dict[str, Any]) -> None:
        self.pool = pool
        self.window = float(cmd["window"])
        self.hand_rate = float(cmd["hand_rate"])
        self.raise_share = float(cmd["raise_share"])
        self.react_rate = float(cmd["react_rate"])
        self.gap = tuple(cmd.get("gap", (1.0, 2.5)))  # the chair's pause between speakers
        self.yield_share = float(cmd.get("yield_share", 0.7))
        self.rng = random.Random(int(cmd["seed"]))
        self.people = sorted(u for u in pool.by_id if u != pool.chair)
        self.sent: dict[str, int] = {}
        self.late = 0.0
        self.turns: list[dict[str, Any]] = []
        self.deadline = 0.0

    def do(self, user: int, action: str, data: dict[str, Any], expect: str | None) -> str:
        self.sent[action] = self.sent.get(action, 0) + 1
        return self.pool.command(user, action, data, expect)

    @property
    def state(self) -> RoomState:
        assert self.pool.state is not None
        return self.pool.state

    async def until(self, test: Any, timeout: float) -> bool:
        """Wait until `test()` holds for the chair's view of the room (or the timeout)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not test():
            left = end - loop.time()
            if left <= 0:
                return False
            self.pool.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.pool.changed.wait(), left)
        return True

    def text(self) -> str:
        words = self.rng.sample(PHRASES, self.rng.randint(2, 5))
        return "，".join(words) + "。"

    async def open_motion(self) -> None:
        mover, seconder = self.people[0], self.people[1]
        text = "在3号楼前划定临时车位，试行三个月"
        ref = self.do(mover, "move", {"text": text}, f"motion.moved:{mover}")
        if not await self.until(lambda: bool(self.state.motions), 30):
            raise RuntimeError(f"the motion was not moved: {self.pool.requests[ref]}")
        ref = self.do(seconder, "second", {}, f"motion.seconded:{seconder}")
        if not await self.until(lambda: self.state.phase == "debate", 30):
            raise RuntimeError(f"the motion was not seconded: {self.pool.requests[ref]}")

    async def arrivals(self, rate: float, act: Any) -> None:
        """`act()` at Poisson arrivals of `rate` a second until the deadline, on an
        absolute schedule: a slow turn of the loop does not thin it out (lateness kept)."""
        loop = asyncio.get_running_loop()
        at = loop.time()
        while True:
            at += self.rng.expovariate(rate)
            if at >= self.deadline:
                return
            await asyncio.sleep(max(0.0, at - loop.time()))
            self.late = max(self.late, loop.time() - at)
            act()

    def hand(self) -> None:
        state, pool = self.state, self.pool
        floor = state.floor.user if state.floor is not None else None
        queued = {e.user for e in state.queue if e.kind == "speech"}
        limit = state.rules.speeches_per_motion
        top = state.top
        assert top is not None
        suggested = suggest_next(state)
        can_withdraw = sorted(queued - pool.busy - {suggested})
        if can_withdraw and self.rng.random() >= self.raise_share:
            user = self.rng.choice(can_withdraw)
            pool.busy.add(user)
            self.do(user, "withdraw_hand", {}, f"hand.withdrawn:{user}")
            return
        for _try in range(20):
            user = self.rng.choice(self.people)
            spoken = top.talk.speeches_of(user)
            if user in queued or user in pool.busy or user == floor:
                continue
            if limit is not None and spoken >= limit:
                continue
            pool.busy.add(user)
            self.do(
                user,
                "raise_hand",
                {"side": self.rng.choices(SIDES, SIDE_WEIGHTS)[0]},
                f"hand.raised:{user}",
            )
            return

    def reactions(self) -> Any:
        reactors = iter(self.people)  # each person reacts once at most: receipts match

        def react() -> None:
            user = next(reactors, None)
            if user is not None:
                self.do(user, "react", {"emoji": self.rng.choice(EMOJI)}, None)

        return react

    async def chair(self) -> None:
        """Give the floor to the suggested speaker a moment after the last one ended."""
        loop = asyncio.get_running_loop()
        chair = self.pool.chair
        while loop.time() < self.deadline:
            free = await self.until(lambda: self.state.floor is None, self.deadline - loop.time())
            if not free:
                return
            await asyncio.sleep(self.rng.uniform(*self.gap))
            if loop.time() >= self.deadline:
                return
            speaker = suggest_next(self.state)
            if speaker is None:
                await asyncio.sleep(0.25)
                continue
            ref = self.do(chair, "give_floor", {"to": speaker}, f"floor.given:{speaker}")
            given = await self.until(
                lambda who=speaker, ref=ref: self._floor_of(who) or self._refused(ref), 30
            )
            if given and self._floor_of(speaker):
                turn = {"user": speaker, "given_ref": ref, "speeches": 0, "yielded": False}
                self.turns.append(turn)
                await self.speaker(turn)

    def _floor_of(self, user: int) -> bool:
        floor = self.state.floor
        return floor is not None and floor.user == user

    def _refused(self, ref: str) -> bool:
        return self.pool.requests[ref][3] == "err"

    async def speaker(self, turn: dict[str, Any]) -> None:
        """Speak once or twice, then yield, or keep the floor until the time runs out."""
        user = turn["user"]
        speeches = 2 if self.rng.random() < 0.4 else 1
        for n in range(speeches):
            await asyncio.sleep(self.rng.uniform(1.0, 2.5) if n == 0 else self.rng.uniform(2, 3))
            if not self._floor_of(user):
                return
            self.do(user, "speak", {"text": self.text()}, f"speech.posted:{user}")
            turn["speeches"] += 1
        if self.rng.random() < self.yield_share:
            await asyncio.sleep(self.rng.uniform(0.5, 1.5))
            if self._floor_of(user):
                self.do(user, "yield_floor", {}, f"speech.ended:yielded:{user}")
                turn["yielded"] = True
        # Either way the chair waits for the floor to be free (a yield, or the server's clock).

    async def run(self) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        pool = self.pool
        began = time.time()
        await self.open_motion()
        window_began = time.time()
        self.deadline = loop.time() + self.window
        await asyncio.gather(
            self.arrivals(self.hand_rate, self.hand),
            self.arrivals(self.react_rate, self.reactions()),
            self.chair(),
        )
        window_ended = time.time()
        limit = self.state.rules.speech_seconds
        # The last speech ends as any other: by a yield or when its time is up.
        await self.until(lambda: self.state.floor is None, limit + 5)
        await self.until(lambda: not pool.inflight, 30)
        await asyncio.sleep(1.0)  # the last events reach every socket
        return {
            "began": began,
            "window_began": window_began,
            "window_ended": window_ended,
            "ended": time.time(),
            "sent": self.sent,
            "unanswered": len(pool.inflight),
            "late_max": self.late,
            "turns": self.turns,
            "floor_free_at_end": self.state.floor is None,
            "queue_at_end": len(self.state.queue),
        }


def dump(pool: RoomPool, path: str) -> dict[str, Any]:
    pool.recording = False
    gc.enable()
    for name, values in pool.arrays.items():
        with open(f"{path}.{name}", "wb") as f:
            values.tofile(f)
    record = {
        "requests": pool.requests,
        "events": {str(k): v for k, v in pool.events.items()},
        "causes": {str(k): v for k, v in pool.causes.items()},
        "order_errors": pool.order_errors,
    }
    with open(path, "w") as f:
        json.dump(record, f)
    return {
        "deliveries": len(pool.arrays["ev_seq"]),
        "reactions": len(pool.arrays["re_user"]),
        "order_errors": pool.order_errors,
        "callback_errors": pool.callback_errors,
        **clients.status(pool),
    }


async def handle(pool: RoomPool, cmd: dict[str, Any]) -> dict[str, Any] | None:
    name = cmd["cmd"]
    if name == "room":
        pool.stream, pool.chair = cmd["stream"], int(cmd["chair"])
        pool.state = state_from_data(cmd["state"])
        loop = asyncio.get_running_loop()

        def failed(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            pool.callback_errors += 1  # a frame this process failed to take in: reported
            loop.default_exception_handler(context)

        loop.set_exception_handler(failed)
        return {"ok": True}
    if name == "record":
        pool.reset()
        gc.disable()
        pool.recording = True
        return {"ok": True}
    if name == "meeting":
        return await Meeting(pool, cmd).run()
    if name == "dump":
        return dump(pool, cmd["path"])
    return await voting_clients.handle(pool, cmd)


def main() -> None:
    """bench.clients' command loop serving this module's pool, sockets and commands
    (bench.voting_clients' `connect` makes its sockets with the class it finds there)."""
    clients.Pool, clients.handle = RoomPool, handle  # type: ignore[misc,assignment]
    voting_clients.VoteConn = RoomConn  # type: ignore[misc]
    asyncio.run(clients.main())


if __name__ == "__main__":
    main()
