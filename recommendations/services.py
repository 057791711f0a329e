"""Writes for recommendations: training, activation, feedback, and the member-taste hook."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from catalog.models import Film, Genre
from cineaesthete.core import jobs
from cineaesthete.core.models import JobRun
from cineaesthete.progress import Progress, no_progress
from cineaesthete.validation import parse_id
from recommendations.engine import artifact as artifacts
from recommendations.engine.als import ALSParams
from recommendations.engine.confidence import ConfidenceParams
from recommendations.engine.content import embed_plots, feature_matrix
from recommendations.engine.data import build_matrix, densify
from recommendations.engine.evaluation import train_production
from recommendations.engine.recommender import BlendParams
from recommendations.engine.signals import require_finite
from recommendations.models import FilmFeedback, RecommenderModel, TasteSeed
from recommendations.training_data import content_pairs, rating_log_from_db, training_data_marker
from reviews.models import Rating
from reviews.sentiment.selectors import mood_choices

log = logging.getLogger(__name__)


def model_dir() -> Path:
    return Path(settings.MODEL_DIR) / "recommender"


def default_params() -> dict:
    """Production settings: the values tuned on the ML-1M validation split (see README), overridable in settings."""
    return {
        "als": ALSParams(
            factors=settings.RECOMMENDER_FACTORS,
            regularization=settings.RECOMMENDER_REGULARIZATION,
            iterations=settings.RECOMMENDER_ITERATIONS,
        ).as_dict(),
        "confidence": vars(ConfidenceParams(alpha=settings.RECOMMENDER_ALPHA)),
        "blend": BlendParams(
            ease_weight=settings.RECOMMENDER_EASE_WEIGHT,
            popularity_penalty=settings.RECOMMENDER_POPULARITY_PENALTY,
            ease_user_norm=settings.RECOMMENDER_EASE_USER_NORM,
            recency_boost=settings.RECOMMENDER_RECENCY_BOOST,
            recency_tau=settings.RECOMMENDER_RECENCY_TAU,
        ).as_dict(),
        "ease_lambda": settings.RECOMMENDER_EASE_LAMBDA,
    }


def _content_arrays(film_ids: np.ndarray, *, progress: Progress) -> dict[str, np.ndarray]:
    """Genre/people features and plot embeddings for the films in the model, stored in the artifact."""
    pairs = content_pairs(film_ids=[int(i) for i in film_ids])
    matrix, vocabulary = feature_matrix(film_ids, pairs)
    arrays = {
        "content_vocabulary": vocabulary,
        "content_indptr": matrix.indptr,
        "content_indices": matrix.indices,
        "content_data": matrix.data,
    }
    if settings.RECOMMENDER_PLOT_EMBEDDINGS:
        arrays["plot_vectors"] = _plot_vectors(film_ids, progress=progress)
    return arrays


# Plot vectors that another part of the site already computed with the same MiniLM encoder, by film id and
# plot text. Vibe search stores them (``embed_texts``) and sits above this app, so it registers its reader
# here when it starts (aesthetics.apps); the recommender then embeds only the plots nobody has embedded.
PlotVectorSource = Callable[[dict[int, str]], dict[int, np.ndarray]]
_plot_vector_sources: list[PlotVectorSource] = []


def plot_vector_source_register(source: PlotVectorSource) -> None:
    if source not in _plot_vector_sources:
        _plot_vector_sources.append(source)


def _stored_plot_vectors(plots: dict[int, str]) -> dict[int, np.ndarray]:
    found: dict[int, np.ndarray] = {}
    for source in _plot_vector_sources:
        found.update(source({film_id: plot for film_id, plot in plots.items() if film_id not in found}))
    return found


def _plot_vectors(film_ids: np.ndarray, *, progress: Progress) -> np.ndarray:
    """Plot embeddings, cached in MODEL_DIR/recommender/plots.npz by film id and text hash (re-runs are quick)."""
    plots = dict(Film.objects.filter(pk__in=[int(i) for i in film_ids]).values_list("pk", "plot"))
    texts = [plots.get(int(i), "") or "" for i in film_ids]
    hashes = np.array([int(hashlib.sha1(t.encode()).hexdigest()[:15], 16) for t in texts], dtype=np.int64)
    cache_path = model_dir() / "plots.npz"
    cached: dict[tuple[int, int], np.ndarray] = {}
    try:
        with np.load(cache_path) as archive:
            for film_id, text_hash, vector in zip(
                archive["film_ids"], archive["hashes"], archive["vectors"], strict=True
            ):
                cached[(int(film_id), int(text_hash))] = vector
    except (OSError, KeyError, ValueError):
        pass
    vectors = np.zeros((len(film_ids), 384), dtype=np.float32)
    filled = np.zeros(len(film_ids), dtype=bool)
    shared = _stored_plot_vectors(plots)
    missing = []
    for row, (film_id, text_hash) in enumerate(zip(film_ids, hashes, strict=True)):
        vector = cached.get((int(film_id), int(text_hash)))
        if vector is None:
            vector = shared.get(int(film_id))
        if vector is None:
            missing.append(row)
        else:
            vectors[row] = vector
            filled[row] = True
    chunk = 256  # the cache is saved after every chunk, so an interrupted run keeps what it embedded
    for start in range(0, len(missing), chunk):
        progress(f"embedding plots {start}/{len(missing)}", start, len(missing))
        rows = missing[start : start + chunk]
        vectors[rows] = embed_plots([texts[row] for row in rows])
        filled[rows] = True
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = cache_path.with_name("plots.tmp.npz")
        ids = np.asarray(film_ids, dtype=np.int64)
        np.savez(temporary, film_ids=ids[filled], hashes=hashes[filled], vectors=vectors[filled])
        temporary.replace(cache_path)
    return vectors


def recommender_train(*, progress: Progress = no_progress, params: dict | None = None) -> RecommenderModel:
    """Train a new version from every rating in the database and activate it once it is written and verified.

    A failure anywhere marks this version failed (with the error) and leaves the serving model as it was.
    """
    params = {**default_params(), **(params or {})}
    with transaction.atomic():
        latest = RecommenderModel.objects.select_for_update().aggregate(Max("version"))["version__max"] or 0
        model = RecommenderModel.objects.create(
            version=latest + 1, state=RecommenderModel.State.TRAINING, params=params
        )
    started = time.perf_counter()
    try:
        progress("reading ratings", 0, 100)
        marker = training_data_marker()
        ratings = rating_log_from_db()
        if len(ratings) == 0:
            raise ValueError("there are no ratings to train on")
        require_finite("training stars", ratings.stars)
        users, items, user_index, item_index = densify(ratings)
        stars = build_matrix(user_index, item_index, ratings.stars, shape=(len(users), len(items)))
        als = ALSParams(**params["als"])
        recommender, _ = train_production(
            stars,
            items.ids,
            als=als,
            confidence=ConfidenceParams(**params["confidence"]),
            blend=BlendParams(**params["blend"]),
            ease_regularization=params["ease_lambda"],
            threads=settings.ML_THREADS,
            on_iteration=lambda done, total: progress(f"ALS iteration {done}/{total}", 5 + 60 * done // total, 100),
        )
        train_seconds = time.perf_counter() - started
        progress("content features", 70, 100)
        extra = _content_arrays(
            items.ids, progress=lambda stage, done, total: progress(stage, 70 + 20 * done // max(total, 1), 100)
        )
        progress("writing the artifact", 90, 100)
        path = model_dir() / f"v{model.version}.npz"
        checksum = artifacts.save(recommender, path, extra=extra)
        artifacts.load(path, checksum=checksum)  # verify: what serves is what we just wrote
        model.artifact = str(path.relative_to(settings.MODEL_DIR))
        model.checksum = checksum
        model.metrics = {
            "members": len(users),
            "films": len(items),
            "ratings": len(ratings),
            "data_marker": marker,
            "train_seconds": round(train_seconds, 2),
            "total_seconds": round(time.perf_counter() - started, 2),
        }
        model.state = RecommenderModel.State.READY
        model.save(update_fields=["artifact", "checksum", "metrics", "state"])
    except Exception as error:
        model.state = RecommenderModel.State.FAILED
        model.error = f"{type(error).__name__}: {error}"
        model.save(update_fields=["state", "error"])
        raise
    recommender_activate(model=model)
    progress(f"v{model.version} active", 100, 100)
    return model


# The job that trains (recommendations.tasks.train_recommender): each of its runs makes one training row.
TRAINING_JOB_KIND = "train_recommender"


def recommender_abandoned_fail(*, lease: timedelta | None = None) -> int:
    """Mark failed the versions left in "training" by a run whose worker died mid-way; returns how many.

    A run claims its job before it creates its row, so a row is alive while a run that started before it
    still holds its lease. When none does (the worker was killed, or the job was taken over by a new run that
    makes a row of its own), the row is abandoned. Rows younger than one lease are left alone.
    """
    lease = lease or timedelta(seconds=jobs.LEASE_SECONDS)
    now = timezone.now()
    live_runs = JobRun.objects.filter(
        kind=TRAINING_JOB_KIND,
        state=JobRun.State.RUNNING,
        heartbeat_at__gte=now - lease,
        started_at__lte=OuterRef("created_at"),
    )
    return (
        RecommenderModel.objects.filter(state=RecommenderModel.State.TRAINING, created_at__lt=now - lease)
        .exclude(Exists(live_runs))
        .update(
            state=RecommenderModel.State.FAILED,
            error="Abandoned: the worker training it stopped (killed or lost) before it finished.",
        )
    )


def recommender_training_reason(*, if_older_than_hours: float | None = None, force: bool = False) -> str | None:
    """Why a new version should be trained now, or None when the active one is current.

    None when the active model is younger than ``if_older_than_hours`` or was trained on exactly the data
    there is now (``training_data_marker``: additions, edits and deletions all move it), unless ``force``.
    Raises ValueError when there are no ratings to learn from.
    """
    active = RecommenderModel.objects.filter(state=RecommenderModel.State.ACTIVE).first()
    if active is None:
        if not Rating.objects.exists():
            raise ValueError("There are no ratings yet: load the demo data first (manage.py load_demo).")
        return "no active model"
    age = timezone.now() - active.activated_at if active.activated_at else None
    if if_older_than_hours is not None and age is not None and age < timedelta(hours=if_older_than_hours):
        return None
    if force:
        return "forced"
    if active.metrics.get("data_marker") == training_data_marker():
        return None
    return f"ratings changed since v{active.version}"


def recommender_activate(*, model: RecommenderModel) -> None:
    """Make a verified version the serving one, atomically (the old one retires in the same transaction)."""
    path = Path(settings.MODEL_DIR) / model.artifact
    artifacts.load(path, checksum=model.checksum)  # raises ArtifactError: nothing changes
    with transaction.atomic():
        RecommenderModel.objects.select_for_update().filter(state=RecommenderModel.State.ACTIVE).exclude(
            pk=model.pk
        ).update(state=RecommenderModel.State.RETIRED)
        model.state = RecommenderModel.State.ACTIVE
        model.activated_at = timezone.now()
        model.save(update_fields=["state", "activated_at"])


def feedback_set(*, user, film, kind: str) -> FilmFeedback:
    """ "Not interested" or "already seen": the film leaves the member's recommendations at once."""
    feedback, _ = FilmFeedback.objects.update_or_create(user=user, film=film, defaults={"kind": kind})
    return feedback


def feedback_clear(*, user, film) -> None:
    FilmFeedback.objects.filter(user=user, film=film).delete()


# --- onboarding's taste questions ---------------------------------------------------------------------

SEED_MAX_GENRES = 5
SEED_MAX_MOODS = 3


@transaction.atomic
def taste_seed_set(*, user, genre_ids: list[object], moods: list[object]) -> TasteSeed:
    """Store the genres and moods a new member picked (replacing earlier answers); ValidationError on an
    unknown genre or mood, or too many of either."""
    ids = sorted({parse_id(value, name="genre") for value in genre_ids})
    if len(ids) > SEED_MAX_GENRES:
        raise ValidationError(f"Pick at most {SEED_MAX_GENRES} genres.")
    genres = list(Genre.objects.filter(pk__in=ids))
    if len(genres) != len(ids):
        raise ValidationError("Unknown genre.")
    known_moods = mood_choices()
    chosen = sorted(set(moods), key=lambda mood: known_moods.index(mood) if mood in known_moods else -1)
    if any(mood not in known_moods for mood in chosen):
        raise ValidationError("Unknown mood.")
    if len(chosen) > SEED_MAX_MOODS:
        raise ValidationError(f"Pick at most {SEED_MAX_MOODS} moods.")
    seed, _ = TasteSeed.objects.update_or_create(user=user, defaults={"moods": chosen})
    seed.genres.set(genres)
    return seed
