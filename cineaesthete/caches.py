"""Process-wide caches of expensive objects: a loaded model, an index built from the database.

    serving = ProcessCache(load_serving_model, key=active_model_version, name="serving model")
    serving.get()  # built on first use, shared by every thread, rebuilt when the active version changes

The value is built lazily, at most once per key: threads that ask while it is being built wait for that
build instead of starting their own. Caches whose builds must not overlap (model loaders share transformers'
lazy imports, which are not thread-safe) pass the same ``lock``. A build may return None (say, for a model
file that is broken): that answer is cached for its key too, so a broken file is not re-read on every call. ``key`` says which version of the value is current; it is asked on every
``get``, or at most every ``recheck_seconds`` when asking costs a query; ``get_for(key)`` takes a key the caller
already has. A build that raises caches nothing:
the next ``get`` tries again. ``reset()`` forgets the value (tests, or after a change this process made).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _no_key() -> None:
    return None


class ProcessCache(Generic[K, V]):
    def __init__(
        self,
        build: Callable[[K], V],
        *,
        key: Callable[[], K] = _no_key,
        recheck_seconds: float = 0.0,
        name: str = "",
        lock: AbstractContextManager[object] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._build = build
        self._key = key
        self.recheck_seconds = recheck_seconds
        self.name = name or getattr(build, "__qualname__", "cache")
        self._clock = clock
        self._lock = lock or threading.RLock()
        # (key, value, when the key was last confirmed); replaced whole, so readers need no lock.
        self._entry: tuple[K, V, float] | None = None
        self._generation = 0

    def __repr__(self) -> str:
        state = "empty" if self._entry is None else f"key={self._entry[0]!r}"
        return f"<ProcessCache {self.name}: {state}>"

    def get(self) -> V:
        entry = self._entry
        now = self._clock()
        if entry is not None and self.recheck_seconds and now - entry[2] < self.recheck_seconds:
            return entry[1]
        return self.get_for(self._key())

    def get_for(self, key: K) -> V:
        """The value for a key the caller already asked for (one query that answers several caches' keys)."""
        entry = self._entry
        if entry is not None and entry[0] == key:
            self._entry = (key, entry[1], self._clock())
            return entry[1]
        with self._lock:
            entry = self._entry  # another thread may have built it while this one waited
            if entry is not None and entry[0] == key:
                return entry[1]
            generation = self._generation
            value = self._build(key)
            if generation == self._generation:  # not reset while building
                self._entry = (key, value, self._clock())
            return value

    def peek(self) -> V | None:
        """The cached value without building or checking anything (None when empty)."""
        entry = self._entry
        return None if entry is None else entry[1]

    def reset(self) -> None:
        # Not under the lock: a reset must not wait for a slow build, whose result it discards instead.
        self._generation += 1
        self._entry = None
