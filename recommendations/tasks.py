"""Recommender jobs (queue "ml")."""

from __future__ import annotations

from cineaesthete.core.jobs import JobProgress, job_actor


@job_actor(queue_name="ml", time_limit=3 * 60 * 60 * 1000)
def train_recommender(job: JobProgress, *, params: dict | None = None) -> dict:
    """Train a new recommender version and activate it; a failure leaves the previous version serving."""
    from recommendations.services import recommender_train

    model = recommender_train(progress=lambda done, total, message: job.progress(done, total, message), params=params)
    return {"version": model.version, "metrics": model.metrics}
