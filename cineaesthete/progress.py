"""The one progress-callback type of long operations (imports, training, embedding, backfills).

A service takes ``progress: Progress = no_progress`` and calls ``progress("reading ratings", done, total)``.
Commands pass a function that prints a progress bar; jobs pass their ``JobProgress`` (it is callable the
same way), so one service serves both without knowing which.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, stage: str, done: int, total: int) -> None:
        """``stage`` names the step in words; ``done`` of ``total`` units of it are finished."""


def no_progress(stage: str, done: int, total: int) -> None:
    """The default when nobody is watching."""
