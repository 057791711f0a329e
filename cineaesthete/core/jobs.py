"""Tracked background jobs: a Dramatiq actor whose every run is a ``JobRun`` row.

    @job_actor(queue_name="ml")
    def train_recommender(job: JobProgress, *, factors: int = 64) -> dict:
        for step in ...:
            job("fitting", done, total)
        return {"model_id": 3}

    job = job_enqueue(train_recommender, factors=64, created_by=request.user)

Arguments are keyword-only JSON values. The message is sent on commit, so a worker never sees a job whose
row is not yet visible. The run claims its row with a conditional UPDATE, so a message delivered twice (a
worker killed mid-job, a broker redelivery, a re-send by the sweep) never runs a finished job again, nor a
running one twice at once. A failure keeps its traceback and can be retried from admin or /staff/jobs/.

Leases: while a job runs, a side thread renews ``JobRun.heartbeat_at`` every ``HEARTBEAT_SECONDS``, whether or
not the job reports progress. A running job whose heartbeat is older than ``LEASE_SECONDS`` has lost its
worker: the next delivery of its message takes it over. ``jobs_sweep`` (every few minutes, from the
scheduler) marks failed the runs nobody took over, and re-sends queued jobs whose message never arrived (a
process that died between its commit and the send), so a committed job is delivered at least once.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import dramatiq
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from dramatiq.errors import ActorNotFound

from .broker import PostgresBroker
from .models import JobRun, QueuedMessage

log = logging.getLogger(__name__)

# A running job renews its lease this often ...
HEARTBEAT_SECONDS = 10.0
# ... and loses it after this long without a renewal (several missed beats: a busy database is not a death).
LEASE_SECONDS = 60.0
# The sweep gives up on a running job whose lease lapsed this long ago and that no redelivery took over; it
# is well past the brokers' own redelivery (60 s for PostgreSQL and Redis, at once for RabbitMQ).
ABANDONED_AFTER = timedelta(minutes=10)
# A queued job whose message has not started it after this long is sent again (duplicates are harmless).
RESEND_AFTER = timedelta(minutes=10)


class JobProgress:
    """Handed to a job's function: report progress; writes are throttled to a few a second.

    Callable as a ``cineaesthete.progress.Progress`` (``job("fitting", done, total)``), so a job hands itself
    to a service as its progress callback.
    """

    def __init__(self, job: JobRun, min_interval: float = 0.5) -> None:
        self.job = job
        self._min_interval = min_interval
        self._last_write = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last_write < self._min_interval and done < total:
            return
        self._last_write = now
        self.job.progress_done = done
        self.job.progress_total = total
        self.job.message = stage[:500]
        self.job.heartbeat_at = timezone.now()
        JobRun.objects.filter(pk=self.job.pk).update(
            progress_done=done,
            progress_total=self.job.progress_total,
            message=self.job.message,
            heartbeat_at=self.job.heartbeat_at,
        )


def _lease_lapsed(now) -> Q:
    return Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - timedelta(seconds=LEASE_SECONDS))


def job_claim(job_id: int) -> JobRun | None:
    """Mark a job running: a queued one, or a running one whose worker lost its lease (killed mid-job).

    None when it finished (succeeded, or failed for good), no longer exists, or another worker is running it.
    """
    now = timezone.now()
    claimable = Q(state=JobRun.State.QUEUED) | (Q(state=JobRun.State.RUNNING) & _lease_lapsed(now))
    claimed = JobRun.objects.filter(claimable, pk=job_id).update(
        state=JobRun.State.RUNNING, started_at=now, heartbeat_at=now, finished_at=None, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return JobRun.objects.get(pk=job_id)


def job_is_held(job_id: int) -> bool:
    """Whether a worker is running this job under a live lease."""
    now = timezone.now()
    return JobRun.objects.filter(pk=job_id, state=JobRun.State.RUNNING).exclude(_lease_lapsed(now)).exists()


class _Lease:
    """Renews a running job's heartbeat from a side thread until the job returns, progress or not."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, name=f"job-{job_id}-lease", daemon=True)

    def __enter__(self) -> _Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _renew(self) -> None:
        try:
            while not self._stop.wait(HEARTBEAT_SECONDS):
                try:
                    self._beat()
                except DatabaseError:
                    # The next beat retries on a fresh connection; the lease is long enough to miss a few.
                    log.warning("could not renew the lease of job %s", self.job_id, exc_info=True)
                    connections.close_all()
        finally:
            connections.close_all()  # this thread's own connection

    def _beat(self) -> None:
        # SKIP LOCKED: while the job's own transaction holds the row (a job run inside a caller's transaction,
        # or writing progress inside its own), that transaction is the sign of life; waiting for it could
        # deadlock with the job waiting for this thread at its end.
        with transaction.atomic():
            held = JobRun.objects.filter(pk=self.job_id, state=JobRun.State.RUNNING).select_for_update(skip_locked=True)
            JobRun.objects.filter(pk__in=held.values("pk")).update(heartbeat_at=timezone.now())


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
                if job_is_held(job_id):
                    # A duplicate delivery while another worker runs the job: look again after one lease, in
                    # case that worker dies before finishing.
                    actor.send_with_options(kwargs={"job_id": job_id, **arguments}, delay=int(LEASE_SECONDS * 1000))
                return
            try:
                with _Lease(job.pk):
                    result = func(JobProgress(job), **arguments)
            except Exception:
                will_retry = job.attempts <= max_retries
                job_fail(job, traceback.format_exc(), will_retry=will_retry)
                if will_retry:
                    raise
                return
            job_succeed(job, result)

        actor = dramatiq.actor(run, actor_name=func.__name__, queue_name=queue_name, max_retries=max_retries, **options)
        return actor

    return decorate(fn) if fn is not None else decorate


def job_enqueue(actor: dramatiq.Actor, *, created_by=None, **arguments: Any) -> JobRun:
    """Record a job and send it once the current transaction commits."""
    job = JobRun.objects.create(
        kind=actor.actor_name, arguments=arguments, created_by=created_by, sent_at=timezone.now()
    )
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
        state=JobRun.State.QUEUED, finished_at=None, sent_at=timezone.now()
    ):
        return False
    actor = get_broker().get_actor(job.kind)
    transaction.on_commit(lambda: actor.send(job_id=job.pk, **job.arguments))
    return True


@dataclass(frozen=True)
class SweepReport:
    abandoned: int
    resent: int


def jobs_abandoned_fail(*, older_than: timedelta = ABANDONED_AFTER) -> int:
    """Mark failed the running jobs whose lease lapsed ``older_than`` ago and that no redelivery took over."""
    now = timezone.now()
    return JobRun.objects.filter(state=JobRun.State.RUNNING, heartbeat_at__lt=now - older_than).update(
        state=JobRun.State.FAILED,
        finished_at=now,
        error=f"Abandoned: its worker stopped renewing the lease (killed or lost) and no worker took the job "
        f"over within {older_than}. Retry it from /staff/jobs/.",
    )


def _has_pending_message(broker: dramatiq.Broker, job: JobRun) -> bool:
    """Whether the broker still holds a message for the job; only the PostgreSQL broker can tell cheaply."""
    if not isinstance(broker, PostgresBroker):
        return False
    return QueuedMessage.objects.filter(
        state__in=[QueuedMessage.State.QUEUED, QueuedMessage.State.CONSUMED],
        message__actor_name=job.kind,
        message__kwargs__job_id=job.pk,
    ).exists()


def jobs_unsent_resend(*, older_than: timedelta = RESEND_AFTER, broker: dramatiq.Broker | None = None) -> int:
    """Send again the queued jobs whose message has not started them ``older_than`` after it was sent.

    That message was lost (the sending process died between its commit and the send) or is still waiting
    behind other work; a second message is harmless, because a job is claimed once. Returns how many went.
    """
    broker = broker or dramatiq.get_broker()
    now = timezone.now()
    resent = 0
    stale = JobRun.objects.filter(state=JobRun.State.QUEUED, sent_at__lt=now - older_than).order_by("pk")
    for job in stale:
        if _has_pending_message(broker, job):
            continue
        try:
            actor = broker.get_actor(job.kind)
        except ActorNotFound:
            JobRun.objects.filter(pk=job.pk, state=JobRun.State.QUEUED).update(
                state=JobRun.State.FAILED, finished_at=now, error=f"No actor named {job.kind!r} to run this job."
            )
            continue
        # Conditional, so two sweeps at once send one message.
        if JobRun.objects.filter(pk=job.pk, state=JobRun.State.QUEUED, sent_at=job.sent_at).update(sent_at=now):
            actor.send(job_id=job.pk, **job.arguments)
            resent += 1
    return resent


def jobs_sweep(*, broker: dramatiq.Broker | None = None) -> SweepReport:
    """Fail abandoned runs, re-send lost messages: what the scheduled ``jobs_sweep`` actor does."""
    return SweepReport(abandoned=jobs_abandoned_fail(), resent=jobs_unsent_resend(broker=broker))
