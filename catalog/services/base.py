"""What the catalogue's write pipelines share: the progress callback and batching."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

# (stage, done, total): commands draw a progress bar from it; jobs report it.
Progress = Callable[[str, int, int], None]

Item = TypeVar("Item")


def no_progress(stage: str, done: int, total: int) -> None:
    pass


def chunks(items: Sequence[Item], size: int) -> Iterator[Sequence[Item]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
