"""The one progress-callback type of long operations (imports, training, embedding, backfills).

A service takes ``progress: Progress = no_progress`` and calls ``progress("reading ratings", done, total)``.
Commands pass a ``ProgressBar`` (or their own function of the same shape); jobs pass their ``JobProgress``
(it is callable the same way), so one service serves both without knowing which.
"""

from __future__ import annotations

from typing import Protocol, TextIO


class Progress(Protocol):
    def __call__(self, stage: str, done: int, total: int) -> None:
        """``stage`` names the step in words; ``done`` of ``total`` units of it are finished."""


def no_progress(stage: str, done: int, total: int) -> None:
    """The default when nobody is watching."""


BAR_WIDTH = 30


class ProgressBar:
    """A plain-text ``Progress`` for management commands: one line per 5 % step, readable in logs too."""

    def __init__(self, stdout: TextIO, *, step_percent: int = 5) -> None:
        self.stdout = stdout
        self.step = step_percent
        self._stage = ""
        self._last = -1

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            self._stage, self._last = stage, -1
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        if percent < 100 and percent < self._last + self.step:
            return
        if percent == self._last:
            return
        self._last = percent
        filled = BAR_WIDTH * percent // 100
        self.stdout.write(f"  {stage:<15} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}%")
