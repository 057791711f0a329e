"""Training data from the database: every member's signals, content features, and the change marker.

Which rows count is decided here once, for training and for serving (``member_signals``); what each signal
is worth is decided in ``engine/signals.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import Q

from catalog.models import Credit, Film
from recommendations.engine.data import RatingLog
from recommendations.engine.signals import effective_stars
from reviews.models import DiaryEntry, Rating


@dataclass(frozen=True)
class Signal:
    user_id: int
    film_id: int
    stars: float | None  # None: no stars given
    liked: bool
    timestamp: int  # epoch seconds


def member_signals(*, user_ids: Iterable[int] | None = None) -> Iterator[Signal]:
    """Each member's current signal per film: their rating row (stars, like, or watched), else their latest
    diary entry for that film (with or without stars). ``user_ids`` None means every member, as the shared model
    is trained: then without what moderation hid (a suspended member's ratings and diary), so an account
    suspended for rating abuse stops shaping other members' recommendations and "similar films" at the next
    retrain. Private signals stay: they shape only aggregate item weights, and the member's own recommendations."""
    ratings = Rating.objects.all()
    diary = DiaryEntry.objects.order_by("user_id", "film_id", "-watched_on", "-id")
    if user_ids is None:
        ratings, diary = ratings.filter(is_hidden=False), diary.filter(is_hidden=False)
    else:
        ids = list(user_ids)
        ratings, diary = ratings.filter(user_id__in=ids), diary.filter(user_id__in=ids)
    seen: set[tuple[int, int]] = set()
    for user_id, film_id, stars, liked, updated_at in ratings.values_list(
        "user_id", "film_id", "stars", "liked", "updated_at"
    ).iterator(chunk_size=50_000):
        seen.add((user_id, film_id))
        yield Signal(user_id, film_id, None if stars is None else float(stars), liked, int(updated_at.timestamp()))
    for user_id, film_id, stars, liked, created_at in diary.values_list(
        "user_id", "film_id", "stars", "liked", "created_at"
    ).iterator(chunk_size=50_000):
        if (user_id, film_id) in seen:
            continue
        seen.add((user_id, film_id))
        yield Signal(user_id, film_id, None if stars is None else float(stars), liked, int(created_at.timestamp()))


def rating_log_from_db(*, item_key: str = "film_id", explicit_only: bool = False) -> RatingLog:
    """Every member's signals as arrays of effective stars (never NaN; see ``engine/signals.py``).

    ``item_key`` "film__movielens_id" keys films by MovieLens id (films without one are left out);
    ``explicit_only`` keeps star ratings as given, without likes or watched-only signals (the published
    evaluation protocols are defined on explicit ratings).
    """
    users, items, stars, liked, stamps = [], [], [], [], []
    movielens = {}
    if item_key == "film__movielens_id":
        movielens = dict(Film.objects.filter(movielens_id__isnull=False).values_list("pk", "movielens_id"))
    elif item_key != "film_id":
        raise ValueError(f"unknown item key {item_key!r}")
    for signal in member_signals():
        if explicit_only and signal.stars is None:
            continue
        film = signal.film_id
        if movielens:
            if film not in movielens:
                continue
            film = movielens[film]
        users.append(signal.user_id)
        items.append(film)
        stars.append(np.nan if signal.stars is None else signal.stars)
        liked.append(signal.liked and not explicit_only)
        stamps.append(signal.timestamp)
    return RatingLog(
        np.array(users, dtype=np.int64),
        np.array(items, dtype=np.int64),
        effective_stars(np.array(stars, dtype=np.float64), np.array(liked, dtype=bool)),
        np.array(stamps, dtype=np.int64),
    )


def training_data_marker() -> str:
    """A fingerprint of everything training reads: count and an order-free hash sum of every rating and
    diary row's (member, film, stars, like, hidden). Adding, editing or deleting any row changes it (bar a 64-bit
    collision), unlike a row count, which an edit or a delete-plus-add leaves unchanged; so does a suspension or
    its lifting, which changes what ``member_signals`` lets training read."""
    parts = []
    for model in (Rating, DiaryEntry):
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*), coalesce(sum(hashtextextended("  # noqa: S608 - table name from the model
                f"user_id || ':' || film_id || ':' || coalesce(stars::text, '') || ':' || liked::text"
                f" || ':' || is_hidden::text, 0)"
                f"::numeric), 0) FROM {table}"
            )
            count, total = cursor.fetchone()
        parts.append(f"{count}:{total}")
    return "/".join(parts)


def content_pairs(*, film_ids: list[int]) -> list[tuple[int, int]]:
    """(film id, feature key) pairs: genres as ``-genre_id``, directors and the first five cast as ``person_id``."""
    pairs = [
        (f, -g) for f, g in Film.genres.through.objects.filter(film_id__in=film_ids).values_list("film_id", "genre_id")
    ]
    credits = Credit.objects.filter(film_id__in=film_ids).filter(
        Q(role=Credit.Role.DIRECTOR) | Q(role=Credit.Role.CAST, order__lt=5)
    )
    pairs += list(credits.values_list("film_id", "person_id"))
    return pairs
