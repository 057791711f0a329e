"""Reads for recommendations: the serving model, a member's recommendations, similar films, onboarding."""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q

from catalog.selectors import film_cards_in_bulk
from recommendations.engine.als import single_threaded_blas
from recommendations.engine.artifact import ArtifactError, load
from recommendations.engine.confidence import confidence_from_stars
from recommendations.engine.data import RatingLog
from recommendations.engine.ranking import normalised, top_k
from recommendations.engine.recommender import Recommender

log = logging.getLogger(__name__)

COLD_START_RATINGS = 5  # below this many liked films, content similarity is blended in
CACHE_SECONDS = 3600


# --- training data ------------------------------------------------------------------------------------


def rating_log_from_db(*, item_key: str = "film_id", include_likes: bool = False) -> RatingLog:
    """Ratings as arrays (member id, film id or e.g. ``film__movielens_id``, stars, epoch seconds).

    With ``include_likes`` a like without stars is kept as NaN stars (confidence.py reads it as ★★★★).
    """
    from reviews.models import Rating

    condition = Q(stars__isnull=False) | Q(liked=True) if include_likes else Q(stars__isnull=False)
    rows = Rating.objects.filter(condition)
    if item_key != "film_id":
        rows = rows.filter(**{f"{item_key}__isnull": False})
    users, items, stars, stamps = [], [], [], []
    for user_id, item_id, value, liked, updated_at in rows.values_list(
        "user_id", item_key, "stars", "liked", "updated_at"
    ).iterator(chunk_size=50_000):
        users.append(user_id)
        items.append(item_id)
        stars.append(np.nan if value is None else min(float(value) + (0.5 if liked else 0.0), 5.0))
        stamps.append(int(updated_at.timestamp()))
    return RatingLog(
        np.array(users, dtype=np.int64),
        np.array(items, dtype=np.int64),
        np.array(stars, dtype=np.float32),
        np.array(stamps, dtype=np.int64),
    )


def content_pairs(*, film_ids: list[int]) -> list[tuple[int, int]]:
    """(film id, feature key) pairs: genres as ``-genre_id``, directors and the first five cast as ``person_id``."""
    from catalog.models import Credit, Film

    pairs = [
        (f, -g) for f, g in Film.genres.through.objects.filter(film_id__in=film_ids).values_list("film_id", "genre_id")
    ]
    credits = Credit.objects.filter(film_id__in=film_ids).filter(
        Q(role=Credit.Role.DIRECTOR) | Q(role=Credit.Role.CAST, order__lt=5)
    )
    pairs += list(credits.values_list("film_id", "person_id"))
    return pairs


# --- the serving model ----------------------------------------------------------------------------


@dataclass
class Serving:
    version: int
    recommender: Recommender
    unit_factors: np.ndarray
    content: sp.csr_matrix | None
    vocabulary: np.ndarray
    plots: np.ndarray | None


_lock = threading.Lock()
_serving: Serving | None = None
_broken: dict[int, str] = {}


def serving_model() -> Serving | None:
    """The active model, loaded once per process and reloaded when another version becomes active.

    None when no model is active or its file is missing or corrupt (logged once; callers fall back).
    """
    global _serving
    from recommendations.models import RecommenderModel

    row = (
        RecommenderModel.objects.filter(state=RecommenderModel.State.ACTIVE)
        .values_list("version", "artifact", "checksum")
        .first()
    )
    if row is None:
        return None
    version, artifact, checksum = row
    current = _serving
    if current is not None and current.version == version:
        return current
    if version in _broken:
        return None
    with _lock:
        if _serving is not None and _serving.version == version:
            return _serving
        try:
            recommender, extra = load(Path(settings.MODEL_DIR) / artifact, checksum=checksum)
        except ArtifactError as error:
            _broken[version] = str(error)
            log.error("recommender v%s cannot serve, falling back: %s", version, error)
            return None
        content = None
        if "content_indptr" in extra:
            content = sp.csr_matrix(
                (extra["content_data"], extra["content_indices"], extra["content_indptr"]),
                shape=(recommender.n_items, len(extra["content_vocabulary"])),
            )
        _serving = Serving(
            version=version,
            recommender=recommender,
            unit_factors=normalised(recommender.item_factors).astype(np.float32),
            content=content,
            vocabulary=extra.get("content_vocabulary", np.empty(0, np.int64)),
            plots=extra.get("plot_vectors"),
        )
        return _serving


def serving_problem() -> str:
    """Why the active model is not serving, for staff pages ('' when it is fine)."""
    return "; ".join(f"v{version}: {message}" for version, message in _broken.items())


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


def _stars_text(stars: float | None) -> str:
    if stars is None:
        return "liked"
    full = int(stars)
    return "★" * full + ("½" if stars - full >= 0.5 else "")


def _member_profile(user) -> tuple[dict[int, tuple[float | None, bool]], set[int]]:
    """Rated/liked/logged films → (stars, liked); and every film that must never be recommended."""
    from recommendations.models import FilmFeedback
    from reviews.models import DiaryEntry, Rating, WatchlistEntry

    profile: dict[int, tuple[float | None, bool]] = {
        film_id: (None if stars is None else float(stars), liked)
        for film_id, stars, liked in Rating.objects.filter(user=user).values_list("film_id", "stars", "liked")
    }
    others = (
        DiaryEntry.objects.filter(user=user)
        .values_list("film_id", "stars")
        .union(WatchlistEntry.objects.filter(user=user).values_list("film_id", Value_none()))
        .union(FilmFeedback.objects.filter(user=user).values_list("film_id", Value_none()))
    )
    excluded = set(profile)
    for film_id, stars in others:
        excluded.add(film_id)
        if stars is not None and film_id not in profile:
            profile[film_id] = (float(stars), False)
    return profile, excluded


def Value_none():  # noqa: N802 - reads like the expression it builds
    from django.db.models import DecimalField, Value

    return Value(None, output_field=DecimalField(max_digits=2, decimal_places=1))


def member_recommendations(
    *,
    user,
    k: int = 20,
    mode: str = "accurate",
    diversity: float | None = None,
    mood: str = "",
    with_films: bool = True,
) -> RecommendationList:
    """Top ``k`` films for a member; never a film they rated, logged, listed or dismissed.

    Served from the active model by fold-in, cached under the model version and a digest of the profile.
    No model, a broken model or an empty profile: popular, well-rated films (the onboarding grid helps).
    ``mood`` ("tense", "uplifting"... from audience sentiment) keeps only films whose reviews read that way.
    """
    profile, excluded = _member_profile(user)
    if mood:
        from catalog.models import Film
        from reviews.sentiment.selectors import film_ids_with_mood

        excluded = excluded | set(
            Film.objects.exclude(pk__in=film_ids_with_mood(mood=mood)).values_list("pk", flat=True)
        )
    serving = serving_model()
    digest = hashlib.sha1(repr((sorted(profile.items()), sorted(excluded))).encode()).hexdigest()
    dial = None if diversity is None else round(float(diversity), 2)
    key = f"recs:{serving.version if serving else 0}:{user.pk}:{mode}:{dial}:{k}:{digest}"
    cached = cache.get(key)
    if cached is None:
        with single_threaded_blas():
            cached = _compute(serving, profile, excluded, k=k, mode=mode, diversity=dial)
        cache.set(key, cached, CACHE_SECONDS)
    items = [Recommendation(film_id, score, list(reasons)) for film_id, score, reasons in cached["items"]]
    result = RecommendationList(items, cached["source"], serving.version if serving else None, cached["liked"])
    if with_films:
        _attach_films(result)
    return result


def _attach_films(result: RecommendationList) -> None:

    films = film_cards_in_bulk(item.film_id for item in result.items)
    result.items = [item for item in result.items if item.film_id in films]
    for item in result.items:
        item.film = films[item.film_id]


def _fold_in(model: Recommender, profile) -> tuple[np.ndarray, object, np.ndarray]:
    """Fold a profile ({film id: (stars, liked)}) into the model: scores over every item, the fold-in (for
    reasons), and the indices of the items that count as liked. Films the model does not know are skipped."""
    film_ids = np.array(list(profile), dtype=np.int64)
    stars = np.array([np.nan if s is None else s for s, _ in profile.values()], dtype=np.float32)
    liked = np.array([flag for _, flag in profile.values()], dtype=bool)
    index = model.index_of(film_ids)
    known = index >= 0
    confidence = confidence_from_stars(stars[known], params=model.confidence, liked=liked[known])
    scores, folded = model.profile_scores(index[known], confidence)
    return scores, folded, index[known][confidence > 0]


def _compute(serving: Serving | None, profile, excluded: set[int], *, k: int, mode: str, diversity) -> dict:
    liked_ids = [film_id for film_id, (stars, liked) in profile.items() if liked or (stars or 0) > 2 or stars is None]
    if serving is None or not profile:
        return {"items": _popular(excluded, k=k, mode=mode), "source": "popular", "liked": len(liked_ids)}
    model = serving.recommender
    scores, folded, liked_index = _fold_in(model, profile)
    source = "model"
    if len(liked_index) < COLD_START_RATINGS and serving.content is not None and len(liked_index):
        # Few ratings: the member's factor is mostly regularisation, so lean on what the films are like.
        taste = np.asarray(serving.content[liked_index].sum(axis=0)).ravel()
        content_scores = serving.content @ taste
        if serving.plots is not None:
            content_scores = 0.5 * content_scores / max(np.abs(content_scores).max(), 1e-9) + 0.5 * (
                serving.plots @ serving.plots[liked_index].mean(axis=0)
            )
        share = 0.5 * (COLD_START_RATINGS - len(liked_index)) / COLD_START_RATINGS
        z = lambda values: (values - values.mean()) / max(values.std(), 1e-9)  # noqa: E731
        scores = ((1 - share) * z(scores) + share * z(content_scores)).astype(np.float32)
        source = "cold-start"
    exclude = model.index_of(sorted(excluded))
    exclude = exclude[exclude >= 0]
    ranked = model.rank(scores, k, mode=mode, exclude=exclude, diversity=diversity, history=liked_index)
    explained = {int(item): _top_contributions(model, folded, int(item)) for item in ranked}
    from catalog.models import Film

    titles = _titles(sorted({int(model.item_ids[j]) for pairs in explained.values() for j, _ in pairs}), Film)
    items = []
    for item in ranked:
        reasons = _reasons(model, explained[int(item)], int(item), profile, titles)
        items.append((int(model.item_ids[item]), float(scores[item]), reasons))
    return {"items": items, "source": source, "liked": len(liked_ids)}


def _top_contributions(model: Recommender, folded, item: int) -> list[tuple[int, float]]:
    return [(j, value) for j, value in folded.explain(model.item_factors, item) if value > 0][:2]


def _reasons(model: Recommender, contributions, item: int, profile, titles: dict[int, str]) -> list[str]:
    """Words a person understands, from the ALS contributions of the member's rated films."""
    if not contributions:
        return []
    ids = [int(model.item_ids[j]) for j, _ in contributions]
    parts = []
    for film_id in ids:
        stars, _liked = profile.get(film_id, (None, False))
        parts.append(f"{titles.get(film_id, 'a film you rated')} {_stars_text(stars)}".strip())
    reasons = ["Because you rated " + " and ".join(parts)]
    top = contributions[0][0]
    # EASE weights are learnt from who rated what together: a strong one is a fair "members who loved X".
    if model.ease is not None and model.ease[top, item] > 0 and (model.ease[top] > model.ease[top, item]).sum() < 50:
        reasons.append(f"Members who loved {titles.get(ids[0], 'a film you rated')} also loved this")
    return reasons


_title_cache: dict[int, str] = {}


def _titles(film_ids: list[int], film_model) -> dict[int, str]:
    missing = [film_id for film_id in film_ids if film_id not in _title_cache]
    if missing:
        _title_cache.update(film_model.objects.filter(pk__in=missing).values_list("pk", "title"))
    return {film_id: _title_cache[film_id] for film_id in film_ids if film_id in _title_cache}


def _popular(excluded: set[int], *, k: int, mode: str) -> list[tuple[int, float, list[str]]]:
    from catalog.models import Film

    films = Film.objects.filter(rating_count__gt=0, rating_mean__gte=3.5).exclude(pk__in=excluded)
    if mode == "gems":
        films = films.filter(rating_count__lt=_head_threshold()).order_by("-rating_mean", "-rating_count")
        reason = "A well-loved film few members have found yet"
    else:
        films = films.order_by("-rating_count", "id")
        reason = "Popular with members who rate highly"
    return [(film_id, 0.0, [reason]) for film_id in films.values_list("pk", flat=True)[:k]]


def _head_threshold() -> int:
    from catalog.models import Film

    counts = list(
        Film.objects.filter(rating_count__gt=0).order_by("-rating_count").values_list("rating_count", flat=True)
    )
    return counts[max(0, len(counts) // 5 - 1)] if counts else 0


# --- similar films --------------------------------------------------------------------------------


def similar_films(*, film, k: int = 8) -> list:
    """Films like this one: item-item cosine of the ALS factors blended with content similarity.

    A film the model does not know (added after training) gets content similarity only; with no model,
    the films sharing most genres. Fixed number of queries.
    """
    from catalog.models import Film

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
        genres = film.genres.values_list("pk", flat=True)
        ids = list(
            Film.objects.filter(genres__in=list(genres))
            .exclude(pk=film.pk)
            .annotate(shared=Count("genres"))
            .order_by("-shared", "-rating_count")
            .values_list("pk", flat=True)[:k]
        )
    films = film_cards_in_bulk(ids)
    return [films[i] for i in ids if i in films]


def _content_similarity(serving: Serving, index: int) -> np.ndarray | None:
    if serving.content is None:
        return None
    tags = np.asarray((serving.content @ serving.content[index].T).todense()).ravel()
    if serving.plots is None or not np.any(serving.plots[index]):
        return tags
    return 0.5 * tags + 0.5 * (serving.plots @ serving.plots[index])


def _similar_by_content(serving: Serving, film, *, k: int) -> list[int]:
    from recommendations.engine.content import feature_matrix

    query, _ = feature_matrix(np.array([film.pk]), content_pairs(film_ids=[film.pk]), vocabulary=serving.vocabulary)
    if query.nnz == 0:
        return []
    scores = np.asarray((serving.content @ query.T).todense()).ravel()
    return [int(serving.recommender.item_ids[i]) for i in top_k(scores, k) if scores[i] > 0]


# --- onboarding -------------------------------------------------------------------------------------


def onboarding_films(*, user, skipped: set[int] = frozenset(), count: int = 24) -> list:
    """Well-known films spread across genres and decades that the member has not rated or skipped."""
    from catalog.models import Film, Genre
    from reviews.models import Rating

    rated = set(Rating.objects.filter(user=user).values_list("film_id", flat=True))
    candidates = (
        Film.objects.exclude(pk__in=rated | set(skipped))
        .filter(rating_count__gt=0)
        .order_by("-rating_count")
        .values_list("pk", "year", "genres")[:1500]
    )
    genre_names = dict(Genre.objects.values_list("pk", "name"))
    chosen: list[int] = []
    seen_slots: set[tuple] = set()
    for film_id, year, genre_id in candidates:
        slot = (genre_names.get(genre_id), (year or 0) // 10)
        if film_id in chosen or slot in seen_slots:
            continue
        seen_slots.add(slot)
        chosen.append(film_id)
        if len(chosen) >= count:
            break
    films = film_cards_in_bulk(chosen)
    return [films[i] for i in chosen if i in films]


def member_stars(*, user, film_ids: list[int]) -> dict[int, Decimal]:
    from reviews.models import Rating

    return dict(
        Rating.objects.filter(user=user, film_id__in=film_ids, stars__isnull=False).values_list("film_id", "stars")
    )


def profile_recommendations(*, movielens_stars: dict[int, float], k: int = 20, mode: str = "accurate") -> list[dict]:
    """Recommendations for an ad-hoc profile keyed by MovieLens id (the ``recommend`` command)."""
    from catalog.models import Film

    by_movielens = dict(Film.objects.filter(movielens_id__in=list(movielens_stars)).values_list("movielens_id", "pk"))
    profile = {by_movielens[ml]: (stars, False) for ml, stars in movielens_stars.items() if ml in by_movielens}
    with single_threaded_blas():
        computed = _compute(serving_model(), profile, set(profile), k=k, mode=mode, diversity=None)
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


# --- scores for other apps (watchlist sort, vibe "match my taste") -------------------------------------


def _member_item_scores(user) -> tuple[Recommender, np.ndarray] | None:
    """The member's fold-in scores over every film the active model knows, or None (no model, no ratings)."""
    serving = serving_model()
    profile, _excluded = _member_profile(user)
    if serving is None or not profile:
        return None
    model = serving.recommender
    with single_threaded_blas():
        scores, _folded, _liked = _fold_in(model, profile)
    if not np.ptp(scores) > 0:  # none of the member's films is known to the model: no taste to rank by
        return None
    return model, scores


def member_film_scores(*, user, film_ids: list[int]) -> dict[int, float]:
    """How well each film fits the member's taste, as a percentile of the catalogue in [0, 1] (1 = best fit).

    Percentiles rather than raw ALS scores: raw scores have no unit and differ in scale between members and
    model versions; "in the top 3% for you" means the same thing everywhere. Films the model does not know
    (added after the last training) are left out. Empty when there is no model or the member has no ratings.
    """
    scored = _member_item_scores(user)
    if scored is None or not film_ids:
        return {}
    model, scores = scored
    order = np.argsort(np.argsort(scores, kind="stable"), kind="stable")  # rank 0 = worst
    percentile = order / max(len(scores) - 1, 1)
    index = model.index_of(np.array(film_ids, dtype=np.int64))
    return {int(film_id): float(percentile[i]) for film_id, i in zip(film_ids, index, strict=True) if i >= 0}


def predicted_ratings(*, user, film_ids: list[int]) -> dict[int, float]:
    """The watchlist's "predicted for you" sort: the same catalogue percentiles as ``member_film_scores``.

    ALS here learns preference with a confidence, not a star value, so we do not print invented stars;
    the watchlist shows "top N% for you".
    """
    return member_film_scores(user=user, film_ids=film_ids)
