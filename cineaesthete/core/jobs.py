"""Tracked background jobs: a Dramatiq actor whose every run is a ``JobRun`` row.

    @job_actor(queue_name="ml")
    def train_recommender(job: JobProgress, *, factors: int = 64) -> dict:
        for step in ...:
            job.progress(done, total, "fitting")
        return {"model_id": 3}

    job = job_enqueue(train_recommender, factors=64, created_by=request.user)

Arguments are keyword-only JSON values. The message is sent on commit, so a worker never sees a job whose
row is not yet visible. The run claims its row with a conditional UPDATE, so a message delivered twice (a
worker killed mid-job, a broker redelivery) never runs a finished job again. A failure keeps its traceback
and can be retried from admin or /staff/jobs/.
"""

from __future__ import annotations

import functools
import time
import traceback
from collections.abc import Callable
from typing import Any

import dramatiq
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import JobRun


class JobProgress:
    """Handed to a job's function: report progress; writes are throttled to a few a second."""

    def __init__(self, job: JobRun, min_interval: float = 0.5) -> None:
        self.job = job
        self._min_interval = min_interval
        self._last_write = 0.0

    def progress(self, done: int, total: int | None = None, message: str = "", *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_write < self._min_interval and (total is None or done < total):
            return
        self._last_write = now
        self.job.progress_done = done
        if total is not None:
            self.job.progress_total = total
        self.job.message = message[:500]
        self.job.heartbeat_at = timezone.now()
        JobRun.objects.filter(pk=self.job.pk).update(
            progress_done=done,
            progress_total=self.job.progress_total,
            message=self.job.message,
            heartbeat_at=self.job.heartbeat_at,
        )


def job_claim(job_id: int) -> JobRun | None:
    """Mark a job running, unless it finished (succeeded, or failed for good) or no longer exists."""
    now = timezone.now()
    claimed = JobRun.objects.filter(pk=job_id, state__in=[JobRun.State.QUEUED, JobRun.State.RUNNING]).update(
        state=JobRun.State.RUNNING, started_at=now, heartbeat_at=now, finished_at=None, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return JobRun.objects.get(pk=job_id)


def job_succeed(job: JobRun, result: Any) -> None:
    job.state = JobRun.State.SUCCEEDED
    job.result = result
    job.error = ""
    job.finished_at = job.heartbeat_at = timezone.now()
    if job.progress_total:
        job.progress_done = job.progress_total
    job.save(update_fields=["state", "result", "error", "finished_at", "heartbeat_at", "progress_done"])


def job_fail(job: JobRun, error: str, *, will_retry: bool) -> None:
    job.state = JobRun.State.QUEUED if will_retry else JobRun.State.FAILED
    job.error = error
    job.finished_at = None if will_retry else timezone.now()
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["state", "error", "finished_at", "heartbeat_at"])


def job_actor(
    fn: Callable[..., Any] | None = None, *, queue_name: str = "default", max_retries: int = 0, **options: Any
):
    """Declare a tracked job. ``max_retries`` > 0 lets Dramatiq retry with backoff before marking it failed."""

    def decorate(func: Callable[..., Any]) -> dramatiq.Actor:
        @functools.wraps(func)
        def run(job_id: int, **arguments: Any) -> None:
            job = job_claim(job_id)
            if job is None:
                return
            try:
                result = func(JobProgress(job), **arguments)
            except Exception:
                will_retry = job.attempts <= max_retries
                job_fail(job, traceback.format_exc(), will_retry=will_retry)
                if will_retry:
                    raise
                return
            job_succeed(job, result)

        return dramatiq.actor(run, actor_name=func.__name__, queue_name=queue_name, max_retries=max_retries, **options)

    return decorate(fn) if fn is not None else decorate


def job_enqueue(actor: dramatiq.Actor, *, created_by=None, **arguments: Any) -> JobRun:
    """Record a job and send it once the current transaction commits."""
    job = JobRun.objects.create(kind=actor.actor_name, arguments=arguments, created_by=created_by)
    transaction.on_commit(lambda: actor.send(job_id=job.pk, **arguments))
    return job


def job_run_inline(actor: dramatiq.Actor, *, created_by=None, **arguments: Any) -> JobRun:
    """Run a tracked job in this process (``--sync`` flags of commands), recorded like a queued one."""
    job = JobRun.objects.create(kind=actor.actor_name, arguments=arguments, created_by=created_by)
    actor.fn(job_id=job.pk, **arguments)
    job.refresh_from_db()
    return job


def job_retry(job: JobRun) -> bool:
    """Queue a failed job again; returns False when the job is not in a failed state."""
    from dramatiq import get_broker

    if not JobRun.objects.filter(pk=job.pk, state=JobRun.State.FAILED).update(
        state=JobRun.State.QUEUED, finished_at=None
    ):
        return False
    actor = get_broker().get_actor(job.kind)
    transaction.on_commit(lambda: actor.send(job_id=job.pk, **job.arguments))
    return True
