"""ProcessCache: lazy, built once per key by however many threads ask, rebuilt when the key changes."""

from __future__ import annotations

import threading

import pytest

from cineaesthete.caches import ProcessCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Source:
    """A key that changes when told to, and a build that records what it built."""

    def __init__(self) -> None:
        self.version = 1
        self.key_calls = 0
        self.builds: list[int] = []

    def key(self) -> int:
        self.key_calls += 1
        return self.version

    def build(self, version: int) -> str:
        self.builds.append(version)
        return f"value v{version}"


def test_nothing_is_built_until_asked_and_then_once_per_key():
    source = Source()
    cache = ProcessCache(source.build, key=source.key, name="test")
    assert source.builds == [] and cache.peek() is None
    assert [cache.get() for _ in range(5)] == ["value v1"] * 5
    assert source.builds == [1]


@pytest.mark.parametrize("versions", [[1, 2], [1, 2, 1], [3, 3, 4, 4, 4, 5, 3]])
def test_it_rebuilds_exactly_when_the_key_changes(versions):
    source = Source()
    cache = ProcessCache(source.build, key=source.key)
    for version in versions:
        source.version = version
        assert cache.get() == f"value v{version}"
        assert cache.get() == f"value v{version}"
    changes = [v for i, v in enumerate(versions) if i == 0 or versions[i - 1] != v]
    assert source.builds == changes


def test_without_a_key_it_is_built_once_for_the_process():
    builds = []
    cache = ProcessCache(lambda key: builds.append(key) or len(builds))
    assert cache.get() == cache.get() == 1
    assert builds == [None]


def test_an_expensive_key_is_asked_at_most_every_recheck_seconds():
    source, clock = Source(), Clock()
    cache = ProcessCache(source.build, key=source.key, recheck_seconds=30, clock=clock)
    cache.get()
    source.version = 2
    clock.now += 29
    assert cache.get() == "value v1"  # within the window the stale value is served, the key not asked
    assert source.key_calls == 1
    clock.now += 2
    assert cache.get() == "value v2"
    assert source.key_calls == 2
    clock.now += 31
    assert cache.get() == "value v2"  # key asked again, same answer: no rebuild, the window restarts
    assert (source.key_calls, source.builds) == (3, [1, 2])


def test_a_failed_build_caches_nothing_and_the_next_call_retries():
    attempts = []

    def build(key: None) -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("model file not there yet")
        return "loaded"

    cache = ProcessCache(build)
    with pytest.raises(OSError):
        cache.get()
    assert cache.peek() is None
    assert cache.get() == "loaded"
    assert len(attempts) == 2


def test_none_is_a_cached_answer_for_its_key():
    source = Source()
    cache = ProcessCache(lambda version: source.builds.append(version), key=source.key)
    assert cache.get() is None
    assert cache.get() is None
    assert source.builds == [1]


def test_reset_forgets_and_a_reset_during_a_build_discards_that_build():
    source = Source()
    cache = ProcessCache(source.build, key=source.key)
    cache.get()
    cache.reset()
    assert cache.peek() is None
    cache.get()
    assert source.builds == [1, 1]

    def build_then_reset(version: int) -> str:
        cache_under_reset.reset()  # e.g. a model activated elsewhere while this one loaded
        return "stale"

    cache_under_reset = ProcessCache(build_then_reset)
    assert cache_under_reset.get() == "stale"  # the caller still gets what was built
    assert cache_under_reset.peek() is None  # but it is not kept


def test_threads_asking_at_once_share_one_build():
    builds = []
    started, release = threading.Event(), threading.Event()

    def slow_build(key: None) -> object:
        builds.append(key)
        started.set()
        release.wait(timeout=30)
        return object()

    cache = ProcessCache(slow_build)
    barrier = threading.Barrier(8)
    results: list[object] = []

    def ask() -> None:
        barrier.wait(timeout=30)
        results.append(cache.get())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    assert started.wait(timeout=30)
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(builds) == 1
    assert len(results) == 8 and len({id(result) for result in results}) == 1
