from __future__ import annotations


class IngestError(Exception):
    """Malformed input: says which file and line, so the person importing can fix it."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}, line {self.line}: " if self.line else f"{self.file}: "
        return f"{where}{self.message}"
