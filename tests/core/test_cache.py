"""core/cache.py: the one bounded cache of the process (options, shapes, tally hints)."""

from __future__ import annotations

import threading

import pytest

from core.cache import BoundedCache


def test_it_keeps_at_most_its_size_and_evicts_the_least_recently_used() -> None:
    cache: BoundedCache[int, str] = BoundedCache(3)
    for key in range(3):
        cache.put(key, str(key))
    assert cache.get(0) == "0"  # 0 is now the most recently used
    cache.put(3, "3")
    assert len(cache) == 3
    assert 1 not in cache  # the least recently used left, not everything
    assert [cache.get(k) for k in (0, 2, 3)] == ["0", "2", "3"]


def test_a_rewrite_refreshes_and_replaces() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    cache.put("c", 3)
    assert cache.get("a") == 10
    assert cache.get("b") is None


def test_get_or_make_makes_once_and_pop_and_clear_forget() -> None:
    cache: BoundedCache[str, list[int]] = BoundedCache(4)
    made: list[str] = []

    def make() -> list[int]:
        made.append("x")
        return [1]

    assert cache.get_or_make("k", make) == [1]
    assert cache.get_or_make("k", make) == [1]
    assert made == ["x"]
    assert cache.pop("k") == [1]
    assert cache.pop("k") is None
    cache.put("k", [2])
    cache.clear()
    assert len(cache) == 0


def test_a_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="max_size"):
        BoundedCache(0)


def test_threads_writing_at_once_never_pass_the_bound() -> None:
    cache: BoundedCache[int, int] = BoundedCache(50)
    start = threading.Barrier(8)

    def write(offset: int) -> None:
        start.wait()
        for key in range(offset, offset + 2000):
            cache.put(key, key)
            cache.get(key - 1)

    threads = [threading.Thread(target=write, args=(n * 10_000,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) == 50
