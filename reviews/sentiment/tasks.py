from __future__ import annotations

from pathlib import Path

import dramatiq
from django.conf import settings
from dramatiq_crontab import cron

from cineaesthete.core.jobs import JobProgress, job_actor, job_enqueue
from reviews.sentiment.services import (
    film_rating_integrity_check,
    film_sentiment_refresh,
    ratings_integrity_check_all,
    review_sentiment_refresh,
    reviews_backfill,
)


@dramatiq.actor(queue_name="ml", max_retries=3)
def analyse_review(review_id: int) -> None:
    """Analyse one review and refresh its film's summary. Idempotent: an unchanged review is skipped."""
    review_sentiment_refresh(review_id=review_id)


@dramatiq.actor(queue_name="ml", max_retries=3)
def refresh_film_sentiment(film_id: int) -> None:
    """Recompute one film's sentiment summary (after a review is deleted)."""
    film_sentiment_refresh(film_id=film_id)


@job_actor(queue_name="ml")
def analyse_reviews_backfill(job: JobProgress, *, force: bool = False, use_embedder: bool = True) -> dict:
    """Analyse every review not yet analysed (or edited since), then refresh film summaries."""
    return reviews_backfill(force=force, use_embedder=use_embedder, progress=job)


@job_actor(queue_name="training", time_limit=6 * 60 * 60 * 1000)
def finetune_sentiment(job: JobProgress, *, epochs: int = 1, data: str = "") -> dict:
    """Fine-tune MiniLM for sentiment and blend it with the NB-SVM (for GPU workers: `ML_DEVICE=cuda`); `data`: a
    labelled JSONL(.gz) instead of the mirror's IMDb file."""
    from reviews.sentiment.training import finetune_encoder  # scikit-learn and torch: only where a job needs them

    done = finetune_encoder(
        data=Path(data) if data else None, epochs=epochs, device=settings.ML_DEVICE, log=lambda line: job(line, 0, 1)
    )
    job_enqueue(analyse_reviews_backfill)  # the reviews shown are scored again by the blend
    return {"path": str(done.path), "heldout_accuracy": done.heldout_accuracy, "seconds": round(done.seconds)}


@job_actor(queue_name="default")
def check_rating_integrity(job: JobProgress, *, changed_only: bool = False) -> dict:
    """Burst detection and robust averages for every rated film (or those whose ratings changed since)."""
    return ratings_integrity_check_all(changed_only=changed_only, progress=job)


@dramatiq.actor(queue_name="default", max_retries=3)
def check_film_integrity(film_id: int) -> None:
    """One film's burst check, queued (debounced) by the ratings that arrive on it. Safe to run twice."""
    film_rating_integrity_check(film_id=film_id)


@cron("45 2 * * *")  # nightly, in TIME_ZONE; sent by the `manage.py crontab` scheduler process
@dramatiq.actor(queue_name="default", max_retries=0)
def nightly_rating_integrity() -> None:
    """Check every film whose ratings changed since its last check, as a tracked job."""
    job_enqueue(check_rating_integrity, changed_only=True)
