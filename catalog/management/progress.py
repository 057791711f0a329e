"""A plain-text progress bar for management commands: one line per 5 % step, readable in logs too."""

from __future__ import annotations

from typing import TextIO

WIDTH = 30


class ProgressBar:
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
        filled = WIDTH * percent // 100
        self.stdout.write(f"  {stage:<15} [{'#' * filled}{'.' * (WIDTH - filled)}] {percent:3d}%")
