"""Recommender jobs (queue "ml")."""

from __future__ import annotations

import dramatiq
from dramatiq_crontab import cron

from cineaesthete.core.jobs import JobProgress, job_actor, job_enqueue
from recommendations.services import recommender_abandoned_fail, recommender_train, recommender_training_reason


@job_actor(queue_name="ml", time_limit=3 * 60 * 60 * 1000)
def train_recommender(job: JobProgress, *, params: dict | None = None) -> dict:
    """Train a new recommender version and activate it; a failure leaves the previous version serving."""
    model = recommender_train(progress=job, params=params)
    return {"version": model.version, "metrics": model.metrics}


@cron("15 3 * * *")  # nightly, in TIME_ZONE; sent by the `manage.py crontab` scheduler process
@dramatiq.actor(queue_name="default", max_retries=0)
def nightly_recommender_training() -> None:
    """Queue a training job when the active model is over 20 hours old and ratings changed since."""
    if recommender_training_reason(if_older_than_hours=20):
        job_enqueue(train_recommender)


@cron("*/5 * * * *")
@dramatiq.actor(queue_name="default", max_retries=0)
def sweep_abandoned_trainings() -> None:
    """Versions left in "training" by a killed worker become "failed", with the reason."""
    recommender_abandoned_fail()
