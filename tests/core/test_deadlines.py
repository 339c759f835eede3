"""core/deadlines.py: the one deadline thread helper (live tally, speech timers)."""

from __future__ import annotations

import threading
import time

import pytest

from core.deadlines import Deadlines


class Recorder:
    """A fire function that notes (key, time) and returns what it is told to."""

    def __init__(self, answers: dict[str, list[float | None]] | None = None) -> None:
        self.fired: list[tuple[str, float]] = []
        self.threads: set[str] = set()
        self.answers = answers or {}
        self.event = threading.Event()

    def __call__(self, key: str) -> float | None:
        self.fired.append((key, time.monotonic()))
        self.threads.add(threading.current_thread().name)
        self.event.set()
        queue = self.answers.get(key)
        return queue.pop(0) if queue else None


def test_a_key_fires_at_its_time_on_the_named_thread_once() -> None:
    fire = Recorder()
    clock = Deadlines("test-deadlines", fire, failed="%s failed", idle_seconds=0.05)
    start = time.monotonic()
    clock.at("a", start + 0.1)
    assert set(clock.pending()) == {"a"}
    assert clock.wait_idle(5)
    assert [key for key, _ in fire.fired] == ["a"]
    assert fire.fired[0][1] >= start + 0.1
    assert fire.threads == {"test-deadlines"}
    assert clock.pending() == {}


def test_a_later_time_replaces_an_earlier_one_and_keys_fire_in_time_order() -> None:
    fire = Recorder()
    clock = Deadlines("test-deadlines", fire, failed="%s failed", idle_seconds=1)
    now = time.monotonic()
    clock.at("late", now + 0.05)
    clock.at("early", now + 0.02)
    clock.at("late", now + 0.15)  # extended
    assert clock.wait_idle(5)
    assert [key for key, _ in fire.fired] == ["early", "late"]
    assert fire.fired[1][1] >= now + 0.15


def test_soon_waits_for_not_before_and_does_not_reschedule_what_is_pending() -> None:
    fire = Recorder()
    free_at = {"b": time.monotonic() + 0.15}
    clock = Deadlines(
        "test-deadlines",
        fire,
        failed="%s failed",
        idle_seconds=1,
        not_before=lambda key: free_at.get(key, 0.0),
    )
    clock.soon("b")
    first = clock.pending()["b"]
    clock.soon("b")  # pending already: unchanged
    assert clock.pending()["b"] == first == free_at["b"]
    assert clock.wait_idle(5)
    assert len(fire.fired) == 1 and fire.fired[0][1] >= free_at["b"]


def test_a_retry_fires_again_after_the_seconds_returned() -> None:
    fire = Recorder({"c": [0.1, None]})
    clock = Deadlines("test-deadlines", fire, failed="%s failed", idle_seconds=1)
    clock.soon("c")
    assert clock.wait_idle(5)
    assert [key for key, _ in fire.fired] == ["c", "c"]
    assert fire.fired[1][1] - fire.fired[0][1] >= 0.1


def test_a_key_scheduled_while_it_fires_waits_for_not_before_afterwards() -> None:
    """The tally's rule: a nudge during a send is sent an interval after it, not at once."""
    release = threading.Event()
    times: list[float] = []
    free_at: dict[str, float] = {}

    def fire(key: str) -> None:
        times.append(time.monotonic())
        if len(times) == 1:
            release.wait(5)
            free_at[key] = time.monotonic() + 0.2

    clock = Deadlines(
        "test-deadlines",
        fire,
        failed="%s failed",
        idle_seconds=1,
        not_before=lambda key: free_at.get(key, 0.0),
    )
    clock.soon("d")
    deadline = time.monotonic() + 5
    while not times and time.monotonic() < deadline:
        time.sleep(0.005)
    clock.soon("d")  # while the first call runs
    release.set()
    assert clock.wait_idle(5)
    assert len(times) == 2
    assert times[1] >= free_at["d"]


def test_a_failing_call_is_logged_and_the_thread_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    fired: list[str] = []

    def fire(key: str) -> None:
        fired.append(key)
        if key == "bad":
            raise RuntimeError("boom")

    clock = Deadlines("test-deadlines", fire, failed="work on %s failed", idle_seconds=1)
    now = time.monotonic()
    clock.at("bad", now)
    clock.at("good", now + 0.05)
    assert clock.wait_idle(5)
    assert fired == ["bad", "good"]
    assert "work on bad failed" in caplog.text


def test_reset_forgets_what_is_pending_and_an_idle_thread_still_serves() -> None:
    fire = Recorder()
    clock = Deadlines("test-deadlines", fire, failed="%s failed", idle_seconds=0.02)
    clock.at("never", time.monotonic() + 60)
    clock.reset()
    assert clock.pending() == {}
    time.sleep(0.1)  # idle several times over: the connection close must not end the thread
    clock.at("later", time.monotonic())
    assert fire.event.wait(5)
    assert clock.wait_idle(5)
    assert [key for key, _ in fire.fired] == ["later"]


def test_a_wall_clock_schedule_caps_each_wait() -> None:
    """Speech timers use time.time(); a wait longer than max_wait is taken in steps, so a
    clock set forward is noticed within max_wait."""
    now = [1000.0]
    fire = Recorder()
    clock = Deadlines(
        "test-deadlines",
        fire,
        failed="%s failed",
        idle_seconds=1,
        clock=lambda: now[0],
        max_wait=0.05,
    )
    clock.at("room", 2000.0)  # far ahead by the fake clock
    time.sleep(0.1)
    assert fire.fired == []
    now[0] = 2001.0  # the clock jumps past it
    assert fire.event.wait(5)
    assert [key for key, _ in fire.fired] == ["room"]
