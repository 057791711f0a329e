"""Page data for recommendations: a member's list, similar films, onboarding, ad-hoc profiles.

The model cache, fold-in, scores and reasons live in ``serving``; training data in ``training_data``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Subquery

from catalog.models import Film, Genre
from catalog.selectors import film_cards_in_bulk, streaming_filter
from recommendations.engine.content import feature_matrix
from recommendations.engine.ranking import top_k
from recommendations.engine.signals import effective_star
from recommendations.models import TasteSeed
from recommendations.serving import (
    COLD_START_RATINGS,
    Serving,
    compute_recommendations,
    member_film_match,
    member_film_scores,
    member_profile,
    predicted_ratings,
    serving_model,
    serving_problem,
)
from recommendations.training_data import content_pairs
from reviews.models import Rating
from reviews.selectors import AspectValue, films_strong_in, member_aspect_values
from reviews.sentiment.selectors import film_ids_with_mood

# Other apps (watchlist sort, vibe search, staff pages) read these through selectors.
__all__ = [
    "COLD_START_RATINGS",
    "member_film_match",
    "member_film_scores",
    "member_recommendations",
    "onboarding_films",
    "predicted_ratings",
    "serving_model",
    "serving_problem",
    "similar_films",
]

CACHE_SECONDS = 3600
# Without a model, similar films come from the most-rated films sharing a genre: this many are compared, so
# the page reads a few hundred index entries, not every film of a genre in a large catalogue.
SIMILAR_BY_GENRE_CANDIDATES = 100
STRONG_SECONDS = 600  # a film newly strong in an aspect joins the filter within ten minutes


# --- a member's recommendations -------------------------------------------------------------------


@dataclass
class Recommendation:
    film_id: int
    score: float
    reasons: list[str] = field(default_factory=list)
    film: object = None


@dataclass
class RecommendationList:
    items: list[Recommendation]
    source: str  # "model", "cold-start", "popular"
    version: int | None = None
    liked_count: int = 0
    valued: AspectValue | None = None  # the aspect the member clearly values (boost and filter), if any


def member_recommendations(
    *,
    user,
    k: int = 20,
    mode: str = "accurate",
    diversity: float | None = None,
    mood: str = "",
    strong_in_valued: bool = False,
    streaming: str = "",
    country: str = "",
    service_ids: Iterable[int] = (),
    genre: str = "",
    decade: int | None = None,
    skipped: Iterable[int] = (),
    with_films: bool = True,
) -> RecommendationList:
    """Top ``k`` films for a member; never a film they rated, logged, listed or dismissed.

    Served from the active model by fold-in, cached under the model version and a digest of the profile.
    No model, a broken model or an empty profile: popular, well-rated films (the onboarding grid helps).
    ``mood`` ("tense", "uplifting"... from audience sentiment) keeps only films whose reviews read that way;
    ``streaming`` ("mine", "free": catalog.selectors.STREAMING_FILTERS) only films that stream that way in
    ``country`` (one indexed EXISTS query).
    A member who clearly values an aspect (``member_aspect_values``) gets films strong in it boosted, and
    ``strong_in_valued`` keeps only those films (ignored for a member with no valued aspect).
    ``genre`` (a slug) and ``decade`` (1990) keep only the films of that genre or decade.
    ``skipped`` (film ids, ``skipped_at_onboarding``) are left out: "Haven't seen" is not recommended straight back.
    """
    profile, excluded = member_profile(user)
    excluded = excluded | set(skipped)
    seeds = taste_seed_films(user=user) if _liked_count(profile) < SEED_UNTIL_LIKED else {}
    if mood:
        excluded = excluded | set(
            Film.objects.exclude(pk__in=film_ids_with_mood(mood=mood)).values_list("pk", flat=True)
        )
    valued = member_aspect_values(member=user).valued
    aspect = valued.aspect if valued else None
    if aspect and strong_in_valued:
        # The whole catalogue's strong films are one GROUP BY over every public aspect rating: shared for a while.
        strong = cache.get_or_set(f"recs:strong:{aspect}", lambda: films_strong_in(aspect=aspect), STRONG_SECONDS)
        excluded = excluded | set(Film.objects.exclude(pk__in=strong).values_list("pk", flat=True))
    condition = streaming_filter(value=streaming, country=country, provider_ids=service_ids)
    allowed = None if condition is None else set(Film.objects.filter(condition).values_list("pk", flat=True))
    if genre or decade is not None:
        wanted = Film.objects.all()
        if genre:
            wanted = wanted.filter(genres__slug=genre)
        if decade is not None:
            wanted = wanted.filter(year__gte=decade, year__lt=decade + 10)
        excluded = excluded | set(Film.objects.exclude(pk__in=wanted.values("pk")).values_list("pk", flat=True))
    serving = serving_model()
    digest = hashlib.sha1(
        repr(
            (
                list(profile.items()),  # in time order: the order weighs recent films more
                sorted(excluded),
                None if allowed is None else sorted(allowed),
                sorted(seeds.items()),
            )
        ).encode()
    ).hexdigest()
    dial = None if diversity is None else round(float(diversity), 2)
    key = f"recs:{serving.version if serving else 0}:{user.pk}:{mode}:{dial}:{k}:{aspect}:{digest}"
    cached = cache.get(key)
    if cached is None:
        cached = compute_recommendations(
            serving,
            profile,
            excluded,
            k=k,
            mode=mode,
            diversity=dial,
            valued_aspect=aspect,
            allowed=allowed,
            seeds=seeds,
        )
        cache.set(key, cached, CACHE_SECONDS)
    items = [Recommendation(film_id, score, list(reasons)) for film_id, score, reasons in cached["items"]]
    result = RecommendationList(
        items, cached["source"], serving.version if serving else None, cached["liked"], valued=valued
    )
    if with_films:
        _attach_films(result)
    return result


ONBOARDING_SKIPPED = "onboarding_skipped"  # session key: films passed over with "Haven't seen"


def skipped_at_onboarding(session) -> set[int]:
    """The films this visit's onboarding passed over with "Haven't seen" (kept in the session only)."""
    return {int(film_id) for film_id in session.get(ONBOARDING_SKIPPED, []) if isinstance(film_id, int)}


SEED_UNTIL_LIKED = 10  # onboarding answers shape the recommendations until the member has liked this many films
SEED_FILMS_PER_CHOICE = 3
SEED_MIN_MEAN = 3.5  # a genre's seed films are its well-liked popular ones, not merely its most rated


def _liked_count(profile) -> int:
    return sum(1 for stars, liked in profile.values() if effective_star(stars, liked) > 2)


def taste_seed_films(*, user) -> dict[int, str]:
    """Pseudo-liked films from the member's onboarding answers: film id -> the genre or mood they picked.

    The most-rated well-liked films of each genre, and the most-rated films whose reviews read as each mood.
    One query for the answers, one per genre and mood picked (at most a handful)."""
    seed = TasteSeed.objects.filter(user=user).prefetch_related("genres").first()
    if seed is None:
        return {}
    popular = Film.objects.filter(rating_count__gt=0).order_by("-rating_count", "id")
    seeds: dict[int, str] = {}
    for genre in sorted(seed.genres.all(), key=lambda genre: genre.name):
        films = popular.filter(genres=genre, rating_mean__gte=SEED_MIN_MEAN)
        for film_id in films.values_list("pk", flat=True)[:SEED_FILMS_PER_CHOICE]:
            seeds.setdefault(film_id, genre.name)
    for mood in seed.moods:
        films = popular.filter(pk__in=film_ids_with_mood(mood=mood))
        for film_id in films.values_list("pk", flat=True)[:SEED_FILMS_PER_CHOICE]:
            seeds.setdefault(film_id, f"{mood} films")
    return seeds


def _attach_films(result: RecommendationList) -> None:

    films = film_cards_in_bulk(item.film_id for item in result.items)
    result.items = [item for item in result.items if item.film_id in films]
    for item in result.items:
        item.film = films[item.film_id]


# --- similar films --------------------------------------------------------------------------------


def similar_films(*, film, k: int = 8) -> list:
    """Films like this one: item-item cosine of the ALS factors blended with content similarity.

    A film the model does not know (added after training) gets content similarity only; with no model,
    the films sharing most genres. Fixed number of queries.
    """

    serving = serving_model()
    ids: list[int] = []
    if serving is not None:
        model = serving.recommender
        index = int(model.index_of([film.pk])[0])
        if index >= 0:
            collaborative = serving.unit_factors @ serving.unit_factors[index]
            content = _content_similarity(serving, index)
            scores = 0.6 * collaborative + 0.4 * content if content is not None else collaborative
            ids = [int(model.item_ids[i]) for i in top_k(scores, k, exclude=np.array([index]))]
        elif serving.content is not None:
            ids = _similar_by_content(serving, film, k=k)
    if not ids:
        ids = _similar_by_genre(film, k=k)
    films = film_cards_in_bulk(ids)
    return [films[i] for i in ids if i in films]


def _similar_by_genre(film, *, k: int) -> list[int]:
    """The films sharing most genres with this one, more-rated first, among the SIMILAR_BY_GENRE_CANDIDATES
    most-rated films sharing any. Two queries: the film's genres, then the candidates read down the popularity
    index until enough of them share a genre, each with its count of shared genres."""
    genre_ids = list(film.genres.values_list("pk", flat=True))
    if not genre_ids:
        return []
    film_genres = Film.genres.through.objects.filter(genre_id__in=genre_ids)
    shared = film_genres.filter(film_id=OuterRef("pk")).order_by().values("film_id").annotate(n=Count("*"))
    candidates = (
        Film.objects.filter(Exists(film_genres.filter(film_id=OuterRef("pk"))))
        .exclude(pk=film.pk)
        .order_by("-rating_count", "id")
        .annotate(shared=Subquery(shared.values("n")))
        .values_list("pk", "rating_count", "shared")[:SIMILAR_BY_GENRE_CANDIDATES]
    )
    ranked = sorted(candidates, key=lambda row: (-row[2], -row[1], row[0]))
    return [pk for pk, _rating_count, _shared in ranked[:k]]


def _content_similarity(serving: Serving, index: int) -> np.ndarray | None:
    if serving.content is None:
        return None
    tags = np.asarray((serving.content @ serving.content[index].T).todense()).ravel()
    if serving.plots is None or not np.any(serving.plots[index]):
        return tags
    return 0.5 * tags + 0.5 * (serving.plots @ serving.plots[index])


def _similar_by_content(serving: Serving, film, *, k: int) -> list[int]:

    query, _ = feature_matrix(np.array([film.pk]), content_pairs(film_ids=[film.pk]), vocabulary=serving.vocabulary)
    if query.nnz == 0:
        return []
    scores = np.asarray((serving.content @ query.T).todense()).ravel()
    return [int(serving.recommender.item_ids[i]) for i in top_k(scores, k) if scores[i] > 0]


# --- onboarding -------------------------------------------------------------------------------------


ONBOARDING_MAX_ENGLISH_SHARE = 0.6  # well known, but not only American hits
ONBOARDING_MAX_DECADE_SHARE = 0.3  # and not only one era


def _foreign(original_title: str, language: str) -> bool:
    """A film not in English: the catalogue knows its language, or it has an original-language title."""
    return bool(original_title) or (bool(language) and language.lower() != "english")


def onboarding_films(*, user, skipped: set[int] = frozenset(), count: int = 24) -> list:
    """Well-known films spread across genres, decades and languages that the member has not rated or skipped.

    Among the most-rated films, one per (genre, decade) slot, with at most 60% in English and 30% from one
    decade; when the catalogue has too few films to keep those shares, the rest are filled by popularity."""

    rated = set(Rating.objects.filter(user=user).values_list("film_id", flat=True))
    candidates = list(
        Film.objects.exclude(pk__in=rated | set(skipped))
        .filter(rating_count__gt=0)
        .order_by("-rating_count", "id")
        .values_list("pk", "year", "genres", "original_title", "language")[:3000]
    )
    genre_names = dict(Genre.objects.values_list("pk", "name"))
    english_cap = int(count * ONBOARDING_MAX_ENGLISH_SHARE)
    decade_cap = max(1, int(count * ONBOARDING_MAX_DECADE_SHARE))
    chosen: list[int] = []
    seen_slots: set[tuple] = set()
    english = 0
    decades: Counter = Counter()
    # First one film per (genre, decade) within the shares; then within the shares alone; then, for a
    # catalogue too small to keep them, by popularity.
    for spread, shares in ((True, True), (False, True), (False, False)):
        for film_id, year, genre_id, original_title, language in candidates:
            if len(chosen) >= count:
                break
            slot = (genre_names.get(genre_id), (year or 0) // 10)
            is_english = not _foreign(original_title, language)
            if (
                film_id in chosen
                or (spread and slot in seen_slots)
                or (shares and ((is_english and english >= english_cap) or decades[slot[1]] >= decade_cap))
            ):
                continue
            seen_slots.add(slot)
            chosen.append(film_id)
            english += is_english
            decades[slot[1]] += 1
    films = film_cards_in_bulk(chosen)
    return [films[i] for i in chosen if i in films]


def member_stars(*, user, film_ids: list[int]) -> dict[int, Decimal]:

    return dict(
        Rating.objects.filter(user=user, film_id__in=film_ids, stars__isnull=False).values_list("film_id", "stars")
    )


def profile_recommendations(*, movielens_stars: dict[int, float], k: int = 20, mode: str = "accurate") -> list[dict]:
    """Recommendations for an ad-hoc profile keyed by MovieLens id (the ``recommend`` command)."""

    by_movielens = dict(Film.objects.filter(movielens_id__in=list(movielens_stars)).values_list("movielens_id", "pk"))
    profile = {by_movielens[ml]: (stars, False) for ml, stars in movielens_stars.items() if ml in by_movielens}
    computed = compute_recommendations(serving_model(), profile, set(profile), k=k, mode=mode, diversity=None)
    films = Film.objects.in_bulk([film_id for film_id, _, _ in computed["items"]])
    return [
        {
            "movielens_id": films[film_id].movielens_id,
            "title": films[film_id].title,
            "score": round(score, 4),
            "reasons": reasons,
        }
        for film_id, score, reasons in computed["items"]
        if film_id in films
    ]
