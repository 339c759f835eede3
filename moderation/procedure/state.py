"""A room's state: immutable values only (frozen dataclasses and tuples).

Users are ids (ints). Instants are seconds on the server's clock (floats or ints), given to
`decide` by the caller. Mappings are kept as tuples of (user, value) pairs sorted by user,
so two states built by different paths compare equal and serialise the same.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final, Literal

from moderation.procedure.presets import Rules

Side = Literal["pro", "con", "neutral"]
SIDES: Final[tuple[Side, ...]] = ("pro", "con", "neutral")
RequestKind = Literal["speech", "order"]  # a hand on a motion, or a point of order
Phase = Literal["waiting", "motion_moved", "debate", "voting", "result"]
MotionStatus = Literal["moved", "debate", "voting"]
PauseReason = Literal["chair", "chair_away"]

# The chair may rule any of the last this-many speeches on what is being discussed. A free
# room's item can run for months; older speech is a matter for moderation (hide), not a
# live ruling, and the state stays small.
RULING_WINDOW: Final = 100

Pairs = tuple[tuple[int, int], ...]


def pairs_get(pairs: Pairs, user: int) -> int:
    for key, value in pairs:
        if key == user:
            return value
    return 0


def pairs_bump(pairs: Pairs, user: int) -> Pairs:
    counts = dict(pairs)
    counts[user] = counts.get(user, 0) + 1
    return tuple(sorted(counts.items()))


@dataclass(frozen=True)
class Request:
    """One entry of the speaking queue."""

    user: int
    kind: RequestKind
    side: Side | None  # None for a point of order
    motion: int | None  # the motion a hand is raised on; None for a point of order


@dataclass(frozen=True)
class Floor:
    """Who speaks now. While the room is paused the clock stops: `ends_at` is None and
    `remaining` holds the seconds left; otherwise `remaining` is None."""

    user: int
    kind: RequestKind
    motion: int | None
    side: Side | None
    started_at: float
    ends_at: float | None
    remaining: float | None = None


@dataclass(frozen=True)
class Post:
    """A speech posted on what is being discussed, kept so the chair can rule on it."""

    speech: int
    user: int
    ruled: bool = False


@dataclass(frozen=True)
class Talk:
    """Counters of one motion (or of an agenda item while no motion is on the floor)."""

    speeches: Pairs = ()  # user -> speeches counted against speeches_per_motion
    warnings: Pairs = ()  # user -> off-topic rulings
    warned_out: tuple[int, ...] = ()  # sorted; may not speak again on this motion
    last_side: Side | None = None  # "pro" or "con" of the last speech that took a side
    posts: tuple[Post, ...] = ()  # the last RULING_WINDOW speeches, oldest first

    def speeches_of(self, user: int) -> int:
        return pairs_get(self.speeches, user)

    def warnings_of(self, user: int) -> int:
        return pairs_get(self.warnings, user)

    def post(self, speech: int) -> Post | None:
        for post in self.posts:
            if post.speech == speech:
                return post
        return None


@dataclass(frozen=True)
class Motion:
    """A motion, or an amendment (a motion on the motion `amends`)."""

    id: int
    mover: int
    text: str
    amends: int | None
    status: MotionStatus = "moved"
    seconder: int | None = None
    adopted: tuple[int, ...] = ()  # amendments adopted, in order
    talk: Talk = Talk()


@dataclass(frozen=True)
class Result:
    """The last main motion decided on this agenda item."""

    motion: int
    ayes: int
    noes: int
    abstentions: int
    passed: bool


@dataclass(frozen=True)
class RoomState:
    rules: Rules
    chair: int
    co_chair: int | None = None
    chair_present: bool = True
    agenda: tuple[str, ...] = ()  # empty: an open-ended room, items are just numbered
    item: int = 0
    motions: tuple[Motion, ...] = ()  # a stack: the main motion, then its amendment
    next_motion: int = 1
    queue: tuple[Request, ...] = ()  # in the order asked
    floor: Floor | None = None
    talk: Talk = Talk()  # the item's counters while no motion is pending (free rooms)
    paused: PauseReason | None = None
    last_posts: tuple[tuple[int, float], ...] = ()  # user -> time of last speech
    next_speech: int = 1
    result: Result | None = None

    @property
    def top(self) -> Motion | None:
        """The motion being handled now: the amendment if there is one."""
        return self.motions[-1] if self.motions else None

    @property
    def phase(self) -> Phase:
        top = self.top
        if top is not None:
            return "motion_moved" if top.status == "moved" else top.status
        return "waiting" if self.result is None else "result"

    @property
    def topic(self) -> Talk:
        """The counters of what is being discussed now."""
        top = self.top
        return self.talk if top is None else top.talk

    def with_topic(self, talk: Talk) -> RoomState:
        top = self.top
        if top is None:
            return replace(self, talk=talk)
        return replace(self, motions=(*self.motions[:-1], replace(top, talk=talk)))

    def motion(self, motion_id: int) -> Motion | None:
        for motion in self.motions:
            if motion.id == motion_id:
                return motion
        return None

    def request(self, user: int, kind: RequestKind) -> Request | None:
        """The user's point of order, or their hand on the motion being handled."""
        for entry in self.queue:
            if entry.user != user or entry.kind != kind:
                continue
            if kind == "order" or (self.top is not None and entry.motion == self.top.id):
                return entry
        return None


def new_room(
    rules: Rules, chair: int, *, co_chair: int | None = None, agenda: tuple[str, ...] = ()
) -> RoomState:
    """A room that has not begun: waiting on its first agenda item."""
    if co_chair == chair:
        raise ValueError("the co-chair must be someone other than the chair")
    return RoomState(rules=rules, chair=chair, co_chair=co_chair, agenda=tuple(agenda))
