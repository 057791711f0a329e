"""Serving: the active model cached per process, folding a member in, scoring, and exact reasons."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.db.models import F, FloatField, Sum, Value
from django.db.models.functions import Cast

from catalog.models import Film
from cineaesthete.caches import ProcessCache
from recommendations.engine.als import FoldIn, single_threaded_blas
from recommendations.engine.artifact import ArtifactError, load
from recommendations.engine.confidence import confidence_from_stars
from recommendations.engine.ranking import normalised, top_k
from recommendations.engine.recommender import Recommender
from recommendations.engine.signals import LIKED_STARS, effective_star, is_liked
from recommendations.models import FilmFeedback, RecommenderModel
from recommendations.training_data import member_signals
from reviews.models import WatchlistEntry
from reviews.selectors import films_strong_in

log = logging.getLogger(__name__)

COLD_START_RATINGS = 5  # below this many liked films, content similarity is blended in
GEMS_MIN_RATINGS = 20  # a hidden gem needs this many ratings, with or without a model
GEMS_PRIOR_WEIGHT = 20.0  # ratings' worth of pull towards the catalogue mean (shrunk mean)
GEMS_QUALITY_FLOOR = 3.6
# A film strong in the aspect the member values gains this many standard deviations of their scores: enough to
# move it up a few places among close candidates, never enough to lift a poor match into the list.
ASPECT_BOOST = 0.5
ASPECT_POOL = 200  # the best candidates checked for the boost (one query over their public aspect ratings)

# film id -> (stars or None, liked), oldest signal first: the order is the recency the EASE term weighs
# (BlendParams.recency_boost), so a profile must be built in time order (member_profile does).
Profile = dict[int, tuple[float | None, bool]]


# --- the serving model ----------------------------------------------------------------------------


@dataclass
class Serving:
    version: int
    recommender: Recommender
    unit_factors: np.ndarray
    content: sp.csr_matrix | None
    vocabulary: np.ndarray
    plots: np.ndarray | None


_broken: dict[int, str] = {}
ActiveModel = tuple[int, str, str] | None  # (version, artifact, checksum) of the active model


def _active_model() -> ActiveModel:
    return (
        RecommenderModel.objects.filter(state=RecommenderModel.State.ACTIVE)
        .values_list("version", "artifact", "checksum")
        .first()
    )


def _serving_load(active: ActiveModel) -> Serving | None:
    if active is None:
        return None
    version, artifact, checksum = active
    if version in _broken:
        return None
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
    return Serving(
        version=version,
        recommender=recommender,
        unit_factors=normalised(recommender.item_factors).astype(np.float32),
        content=content,
        vocabulary=extra.get("content_vocabulary", np.empty(0, np.int64)),
        plots=extra.get("plot_vectors"),
    )


_serving_cache: ProcessCache[ActiveModel, Serving | None] = ProcessCache(
    _serving_load, key=_active_model, name="serving model"
)


def serving_model() -> Serving | None:
    """The active model, loaded once per process and reloaded when another version becomes active.

    None when no model is active or its file is missing or corrupt (logged once; callers fall back).
    """
    return _serving_cache.get()


def serving_problem() -> str:
    """Why the active model is not serving, for staff pages ('' when it is fine)."""
    return "; ".join(f"v{version}: {message}" for version, message in _broken.items())


# --- a member's profile and fold-in -----------------------------------------------------------------


def member_profile(user) -> tuple[Profile, set[int]]:
    """The member's signals per film (the same rows training reads), oldest first, and every film never to
    recommend."""
    signals = sorted(member_signals(user_ids=[user.pk]), key=lambda signal: (signal.timestamp, signal.film_id))
    profile: Profile = {s.film_id: (s.stars, s.liked) for s in signals}
    excluded = set(profile)
    excluded.update(WatchlistEntry.objects.filter(user=user).values_list("film_id", flat=True))
    excluded.update(FilmFeedback.objects.filter(user=user).values_list("film_id", flat=True))
    return profile, excluded


@dataclass
class Folded:
    scores: np.ndarray  # served score of every item the model knows
    folded: FoldIn
    liked: np.ndarray  # item indices of positive history (what EASE and reasons sum over)
    cold_share: float = 0.0  # weight of content similarity in the score (cold start)
    blend_scale: float = 1.0  # the collaborative score's factor inside a cold-start score
    content_scale: float = 0.0  # and the content score's


def fold_in_profile(model: Recommender, profile: Profile) -> Folded:
    """Fold a profile into the model: scores over every item. Films the model does not know are skipped."""
    film_ids = np.array(list(profile), dtype=np.int64)
    stars = np.array([np.nan if s is None else s for s, _ in profile.values()], dtype=np.float64)
    liked = np.array([flag for _, flag in profile.values()], dtype=bool)
    index = model.index_of(film_ids)
    known = index >= 0
    confidence = confidence_from_stars(stars[known], params=model.confidence, liked=liked[known])
    scores, folded = model.profile_scores(index[known], confidence)
    return Folded(scores, folded, index[known][confidence > 0])


def _content_parts(serving: Serving, liked: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Content similarity to the liked films (linear in them): the scores and the plot/tag scales."""
    taste = np.asarray(serving.content[liked].sum(axis=0)).ravel()
    tags = serving.content @ taste
    if serving.plots is None:
        return tags, 1.0, 0.0
    tag_scale = 0.5 / max(float(np.abs(tags).max()), 1e-9)
    plot_scale = 0.5 / len(liked)
    return tag_scale * tags + plot_scale * (serving.plots @ serving.plots[liked].sum(axis=0)), tag_scale, plot_scale


def member_scores(serving: Serving, profile: Profile) -> Folded:
    """The served score: the blend, plus content similarity for members with few liked films."""
    model = serving.recommender
    result = fold_in_profile(model, profile)
    n_liked = len(result.liked)
    if 0 < n_liked < COLD_START_RATINGS and serving.content is not None:
        # Few ratings: the member's factor is mostly regularisation, so lean on what the films are like.
        content, _, _ = _content_parts(serving, result.liked)
        share = 0.5 * (COLD_START_RATINGS - n_liked) / COLD_START_RATINGS
        blend_scale = (1 - share) / max(float(result.scores.std()), 1e-9)
        content_scale = share / max(float(content.std()), 1e-9)
        result.scores = (
            blend_scale * (result.scores - result.scores.mean()) + content_scale * (content - content.mean())
        ).astype(np.float32)
        result.cold_share, result.blend_scale, result.content_scale = share, blend_scale, content_scale
    return result


def score_contributions(serving: Serving, member: Folded, items: np.ndarray) -> np.ndarray:
    """Each liked film's exact share of the served score of ``items`` ((items × liked); see
    ``Recommender.contributions``), cold-start content similarity included."""
    model = serving.recommender
    shares = model.contributions(member.folded, member.liked, items)
    if member.cold_share > 0:
        shares = shares * member.blend_scale
        _, tag_scale, plot_scale = _content_parts(serving, member.liked)
        tags = (serving.content @ serving.content[member.liked].T).toarray().astype(np.float64)  # (all, liked)
        content = tag_scale * tags
        if serving.plots is not None:
            content = content + plot_scale * (serving.plots @ serving.plots[member.liked].T)
        shares += member.content_scale * (content[items] - content.mean(axis=0))
    return shares


# --- reasons -------------------------------------------------------------------------------------------


def _stars_text(stars: float | None) -> str:
    if stars is None:
        return ""
    full = int(stars)
    return " " + "★" * full + ("½" if stars - full >= 0.5 else "")


def reasons_for(
    model: Recommender,
    item: int,
    shares: np.ndarray,
    liked: np.ndarray,
    profile: Profile,
    titles: dict[int, str],
    seeds: Mapping[int, str] | None = None,
) -> list[str]:
    """Words from the rated films with the largest positive shares of this film's served score.

    A seed film (``seeds``: film id -> the genre or mood the member picked at onboarding) is named by what the
    member picked, since they never rated it."""
    seeds = seeds or {}
    order = [n for n in np.argsort(-shares, kind="stable")[:2] if shares[n] > 0]
    if not order:
        return []
    parts = []
    for n in order:
        film_id = int(model.item_ids[liked[n]])
        if film_id in seeds:
            parts.append(f"picked {seeds[film_id]}")
            continue
        stars, flag = profile.get(film_id, (None, False))
        verb = "liked" if is_liked(stars, flag) else "watched"
        parts.append(f"{verb} {titles.get(film_id, 'a film')}{_stars_text(stars)}")
    reasons = ["Because you " + " and ".join(parts)]
    top = int(liked[order[0]])
    top_film = int(model.item_ids[top])
    top_stars, top_liked = profile.get(top_film, (None, False)) if top_film not in seeds else (None, False)
    # EASE weights are learnt from who rated what together: a strong one is a fair "members who loved X".
    if (
        is_liked(top_stars, top_liked)
        and model.ease is not None
        and model.ease[top, item] > 0
        and (model.ease[top] > model.ease[top, item]).sum() < 50
    ):
        reasons.append(f"Members who loved {titles.get(top_film, 'a film you rated')} also loved this")
    return reasons


_title_cache: dict[int, str] = {}


def film_titles(film_ids: list[int]) -> dict[int, str]:
    missing = [film_id for film_id in film_ids if film_id not in _title_cache]
    if missing:
        _title_cache.update(Film.objects.filter(pk__in=missing).values_list("pk", "title"))
    return {film_id: _title_cache[film_id] for film_id in film_ids if film_id in _title_cache}


# --- one member's list ---------------------------------------------------------------------------------


def boost_valued_aspect(model: Recommender, scores: np.ndarray, exclude: np.ndarray, aspect: str) -> set[int]:
    """Raise, in place, the scores of the best candidates whose audience rates ``aspect`` strongly; the item
    indices boosted (their reasons say so)."""
    spread = float(scores.std())
    pool = top_k(scores, ASPECT_POOL, exclude=exclude)
    if not len(pool) or not spread > 0:  # nothing to move (or no taste to move it against): claim nothing
        return set()
    film_ids = model.item_ids[pool]
    strong = films_strong_in(aspect=aspect, film_ids=film_ids.tolist())
    boosted = pool[np.isin(film_ids, np.fromiter(strong, dtype=np.int64, count=len(strong)))]
    scores[boosted] += np.float32(ASPECT_BOOST * spread)
    return {int(item) for item in boosted}


def compute_recommendations(
    serving: Serving | None,
    profile: Profile,
    excluded: set[int],
    *,
    k: int,
    mode: str,
    diversity,
    valued_aspect: str | None = None,
    allowed: set[int] | None = None,
    seeds: Mapping[int, str] | None = None,
) -> dict:
    """Ranked (film id, score, reasons) for a profile; the popular / gems fallback without model or profile.

    ``valued_aspect`` (story, acting, visuals or music, from ``member_aspect_values``) boosts candidates whose
    audience rates it strongly (``boost_valued_aspect``), and their reasons say so. ``allowed``, when given,
    keeps only those films (a filter such as "on my services", computed in the database by the caller).
    ``seeds`` (film id -> the genre or mood picked at onboarding) join the profile as liked films: a new
    member's first recommendations lean towards what they said they like. They do not count as liked films.
    """
    liked_ids = [f for f, (stars, liked) in profile.items() if effective_star(stars, liked) > 2]
    seeds = {film_id: label for film_id, label in (seeds or {}).items() if film_id not in profile}
    profile = {**profile, **{film_id: (None, True) for film_id in seeds}}
    if serving is None or not profile:
        items = popular_films(excluded, k=k, mode=mode, allowed=allowed)
        return {"items": items, "source": "popular", "liked": len(liked_ids)}
    model = serving.recommender
    with single_threaded_blas():
        member = member_scores(serving, profile)
        exclude = model.index_of(sorted(excluded))
        exclude = exclude[exclude >= 0]
        if allowed is not None:
            outside = np.flatnonzero(~np.isin(model.item_ids, np.fromiter(allowed, dtype=np.int64)))
            exclude = np.union1d(exclude, outside)
        boosted = boost_valued_aspect(model, member.scores, exclude, valued_aspect) if valued_aspect else set()
        ranked = model.rank(member.scores, k, mode=mode, exclude=exclude, diversity=diversity, history=member.liked)
        shares = score_contributions(serving, member, ranked)
    titles = film_titles(sorted({int(model.item_ids[j]) for j in member.liked}))
    items = [
        (
            int(model.item_ids[item]),
            float(member.scores[item]),
            reasons_for(model, int(item), shares[row], member.liked, profile, titles, seeds)
            + ([f"Strong {valued_aspect}, which you value"] if int(item) in boosted else []),
        )
        for row, item in enumerate(ranked)
    ]
    source = "cold-start" if member.cold_share > 0 else "model"
    return {"items": items, "source": source, "liked": len(liked_ids)}


def popular_films(
    excluded: set[int], *, k: int, mode: str, allowed: set[int] | None = None
) -> list[tuple[int, float, list[str]]]:
    """Without a model or a profile: popular well-rated films, or for hidden gems the best shrunk means
    outside the most-rated fifth among films with at least ``GEMS_MIN_RATINGS`` ratings."""
    films = Film.objects.filter(rating_count__gt=0).exclude(pk__in=excluded)
    if allowed is not None:
        films = films.filter(pk__in=allowed)
    if mode == "gems":
        totals = Film.objects.filter(rating_count__gt=0).aggregate(
            stars=Sum(F("rating_mean") * F("rating_count"), output_field=FloatField()), count=Sum("rating_count")
        )
        prior = (totals["stars"] or 0.0) / max(totals["count"] or 0, 1) or 3.5
        shrunk = (Cast("rating_mean", FloatField()) * F("rating_count") + Value(prior * GEMS_PRIOR_WEIGHT)) / (
            F("rating_count") + Value(GEMS_PRIOR_WEIGHT)
        )
        films = (
            films.filter(rating_count__gte=GEMS_MIN_RATINGS, rating_count__lt=_head_threshold())
            .annotate(shrunk=shrunk)
            .filter(shrunk__gte=GEMS_QUALITY_FLOOR)
            .order_by("-shrunk", "-rating_count", "id")
        )
        reason = "A well-loved film few members have found yet"
    else:
        films = films.filter(rating_mean__gte=LIKED_STARS).order_by("-rating_count", "id")
        reason = "Popular with members who rate highly"
    return [(film_id, 0.0, [reason]) for film_id in films.values_list("pk", flat=True)[:k]]


def _head_threshold() -> int:
    counts = list(
        Film.objects.filter(rating_count__gt=0).order_by("-rating_count").values_list("rating_count", flat=True)
    )
    return counts[max(0, len(counts) // 5 - 1)] if counts else 0


# --- scores for other apps (watchlist sort, vibe "match my taste") -------------------------------------


def member_item_scores(user) -> tuple[Recommender, np.ndarray] | None:
    """The member's served scores over every film the active model knows, or None (no model, no ratings)."""
    serving = serving_model()
    profile, _excluded = member_profile(user)
    if serving is None or not profile:
        return None
    with single_threaded_blas():
        scores = member_scores(serving, profile).scores
    if not np.ptp(scores) > 0:  # none of the member's films is known to the model: no taste to rank by
        return None
    return serving.recommender, scores


def _percentiles(scores: np.ndarray) -> np.ndarray:
    """Each item's place among all the scores, in [0, 1] (1 = best; ties keep the model's order)."""
    order = np.argsort(np.argsort(scores, kind="stable"), kind="stable")  # rank 0 = worst
    return order / max(len(scores) - 1, 1)


def member_film_scores(*, user, film_ids: list[int]) -> dict[int, float]:
    """How well each film fits the member's taste, as a percentile of the catalogue in [0, 1] (1 = best fit).

    Percentiles rather than raw scores: raw scores have no unit and differ in scale between members and
    model versions; "in the top 3% for you" means the same thing everywhere. Films the model does not know
    (added after the last training) are left out. Empty when there is no model or the member has no ratings.
    """
    scored = member_item_scores(user)
    if scored is None or not film_ids:
        return {}
    model, scores = scored
    percentile = _percentiles(scores)
    index = model.index_of(np.array(film_ids, dtype=np.int64))
    return {int(film_id): float(percentile[i]) for film_id, i in zip(film_ids, index, strict=True) if i >= 0}


def predicted_ratings(*, user, film_ids: list[int]) -> dict[int, float]:
    """The watchlist's "predicted for you" sort: the same catalogue percentiles as ``member_film_scores``.

    ALS here learns preference with a confidence, not a star value, so we do not print invented stars;
    the watchlist shows "top N% for you".
    """
    return member_film_scores(user=user, film_ids=film_ids)


@dataclass
class FilmMatch:
    percentile: float  # the film's place among every film the model knows, in [0, 1] (1 = best fit)
    reason: str  # the top reason, from the member's films with the largest shares of its score ("" if none)


def member_film_match(*, user, film_id: int) -> FilmMatch | None:
    """How well one film fits the member ("your match" on its page): its percentile and the top reason.

    The same fold-in, percentiles and exact score shares as the member's recommendations, so the film page and
    the recommendations page never disagree. None without a model, a profile, or when the model does not know
    the film. A film the member rated does not count as its own reason.
    """
    serving = serving_model()
    profile, _excluded = member_profile(user)
    if serving is None or not profile:
        return None
    model = serving.recommender
    item = int(model.index_of(np.array([film_id], dtype=np.int64))[0])
    if item < 0:
        return None
    with single_threaded_blas():
        member = member_scores(serving, profile)
        if not np.ptp(member.scores) > 0:  # none of the member's films is known to the model
            return None
        shares = score_contributions(serving, member, np.array([item]))[0]
    shares = np.where(member.liked == item, 0.0, shares)
    titles = film_titles(sorted({int(model.item_ids[j]) for j in member.liked}))
    reasons = reasons_for(model, item, shares, member.liked, profile, titles)
    return FilmMatch(percentile=float(_percentiles(member.scores)[item]), reason=reasons[0] if reasons else "")
