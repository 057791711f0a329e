"""The audience-mood filter of the catalogue's browse page: the catalogue cannot import sentiment, so
sentiment adds its filter there when the app starts (SentimentConfig.ready)."""

from __future__ import annotations

from catalog.selectors import BrowseFilter, browse_filter_register

from .selectors import film_ids_with_mood, mood_choices


def _choices() -> list[tuple[str, str]]:
    return [(mood, mood[:1].upper() + mood[1:]) for mood in mood_choices()]


MOOD_FILTER = BrowseFilter(
    name="mood",
    label="Mood",
    any_label="Any mood",
    choices=_choices,
    film_ids=lambda mood: film_ids_with_mood(mood=mood),
)


def register() -> None:
    browse_filter_register(MOOD_FILTER)
