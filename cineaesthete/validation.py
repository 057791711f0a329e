"""Typed parsers for values that arrive from outside (forms, query strings, JSON bodies, imports).

One place decides what an id or a piece of text may be, so every way in refuses the same values with the
same ``ValidationError`` (a 400 in views and the API) before anything is written. PostgreSQL refuses NUL
characters in text and integers beyond 64 bits; both would otherwise surface as 500s half-way through a write.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

# Primary keys are PostgreSQL bigints.
MAX_ID = 2**63 - 1


def parse_id(value: object, *, name: str = "id") -> int:
    """A positive whole number that fits a primary key: ``12`` or ``"12"``; anything else is refused.

    ``str.isdigit()`` is not enough: it is true for "²" and other digits ``int()`` refuses.
    """
    if isinstance(value, bool):
        raise ValidationError(f"{name} must be a whole number.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        number = int(value)
    else:
        raise ValidationError(f"{name} must be a whole number.")
    if not 1 <= number <= MAX_ID:
        raise ValidationError(f"{name} is out of range.")
    return number


def parse_optional_id(value: object, *, name: str = "id") -> int | None:
    """Like ``parse_id``, with None or the empty string meaning "none given"."""
    if value is None or value == "":
        return None
    return parse_id(value, name=name)


def parse_int(value: object, *, name: str, minimum: int, maximum: int) -> int:
    """A whole number (sign allowed) within ``minimum..maximum``."""
    if isinstance(value, bool):
        raise ValidationError(f"{name} must be a whole number.")
    if isinstance(value, int):
        number = value
    else:
        text = value.strip() if isinstance(value, str) else ""
        digits = text[1:] if text[:1] in "+-" else text
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 19):
            raise ValidationError(f"{name} must be a whole number.")
        number = int(text)
    if not minimum <= number <= maximum:
        raise ValidationError(f"{name} must be between {minimum} and {maximum}.")
    return number


def has_nul(value: str) -> bool:
    return "\x00" in value


def clean_text(value: object, *, max_length: int, name: str = "Text", required: bool = False) -> str:
    """Text as stored: Windows line ends folded, outer whitespace stripped, no NUL, at most ``max_length``."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be text.")
    if has_nul(value):
        raise ValidationError(f"{name} contains a NUL character.")
    text = value.replace("\r\n", "\n").strip()
    if required and not text:
        raise ValidationError(f"{name} is required.")
    if len(text) > max_length:
        raise ValidationError(f"{name} is limited to {max_length:,} characters.")
    return text


def clean_line(value: object, *, max_length: int, name: str = "Text", required: bool = False) -> str:
    """One line of text (a title, a tag): runs of whitespace become one space."""
    return " ".join(clean_text(value, max_length=max_length, name=name, required=required).split())


def clean_query(value: object, *, max_length: int = 200) -> str:
    """A search or filter value from a query string; too long is cut (search stays forgiving), NUL refused."""
    if value is None:
        return ""
    if not isinstance(value, str) or has_nul(value):
        raise ValidationError("The query contains a character that is not allowed.")
    return value.strip()[:max_length]
