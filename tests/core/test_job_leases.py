"""Jobs survive crashes: leases on running jobs, a sweep for abandoned runs and lost messages."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import dramatiq
import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_dramatiq.middleware import DbConnectionsMiddleware
from dramatiq import Worker

from cineaesthete.core import jobs
from cineaesthete.core.broker import PostgresBroker, django_conninfo
from cineaesthete.core.jobs import (
    JobProgress,
    job_actor,
    job_claim,
    job_enqueue,
    job_run_inline,
    jobs_abandoned_fail,
    jobs_sweep,
    jobs_unsent_resend,
)
from cineaesthete.core.models import JobRun, QueuedMessage

ROOT = Path(__file__).resolve().parents[2]
heartbeats_seen: list[bool] = []


@job_actor
def wait_for_a_heartbeat(job: JobProgress, *, limit_seconds: float) -> bool:
    """Reports no progress; returns whether the lease was renewed anyway while it ran."""
    claimed_at = job.job.heartbeat_at
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        if JobRun.objects.get(pk=job.job.pk).heartbeat_at > claimed_at:
            return True
        time.sleep(0.02)
    return False


@job_actor
def say(job: JobProgress, *, word: str) -> str:
    return word


def _age(job: JobRun, *, seconds: float) -> None:
    """Make the job's lease (or its message) look that old, as if its worker had gone quiet then."""
    past = timezone.now() - timedelta(seconds=seconds)
    JobRun.objects.filter(pk=job.pk).update(heartbeat_at=past, sent_at=past)
    job.refresh_from_db()


@pytest.mark.django_db(transaction=True)
def test_a_running_job_renews_its_lease_without_reporting_progress(monkeypatch):
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.05)
    job = job_run_inline(wait_for_a_heartbeat, limit_seconds=30)
    assert job.state == JobRun.State.SUCCEEDED
    assert job.result is True


def test_a_job_held_under_a_live_lease_is_not_claimed_twice(db, stub_broker):
    job = JobRun.objects.create(kind="say", arguments={"word": "hi"})
    assert job_claim(job.pk) is not None
    assert job_claim(job.pk) is None  # a duplicate delivery while the first worker is alive

    # The duplicate is not dropped: it comes back after one lease, in case the first worker dies.
    say.fn(job_id=job.pk, word="hi")
    delayed = stub_broker.queues[f"{say.queue_name}.DQ"]
    assert delayed.qsize() == 1
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobRun.State.RUNNING, 1)


def test_a_job_whose_worker_lost_its_lease_is_taken_over(db):
    job = JobRun.objects.create(kind="say", arguments={"word": "hi"})
    job_claim(job.pk)
    _age(job, seconds=jobs.LEASE_SECONDS + 1)
    say.fn(job_id=job.pk, word="hi")  # the broker's redelivery after the dead worker's lease
    job.refresh_from_db()
    assert (job.state, job.result, job.attempts) == (JobRun.State.SUCCEEDED, "hi", 2)


@pytest.mark.parametrize("state", [JobRun.State.SUCCEEDED, JobRun.State.FAILED])
def test_a_finished_job_is_never_claimed_whatever_its_heartbeat(db, state):
    job = JobRun.objects.create(kind="say", arguments={"word": "hi"}, state=state)
    _age(job, seconds=jobs.LEASE_SECONDS * 100)
    assert job_claim(job.pk) is None


def test_the_sweep_fails_runs_abandoned_past_the_limit_and_nothing_else(db):
    limit = jobs.ABANDONED_AFTER.total_seconds()
    cases = {
        "abandoned": (JobRun.State.RUNNING, limit + 5, JobRun.State.FAILED),
        "lease lapsed, redelivery may still come": (JobRun.State.RUNNING, jobs.LEASE_SECONDS + 5, JobRun.State.RUNNING),
        "alive": (JobRun.State.RUNNING, 1, JobRun.State.RUNNING),
        "queued long ago": (JobRun.State.QUEUED, limit + 5, JobRun.State.QUEUED),
        "succeeded long ago": (JobRun.State.SUCCEEDED, limit + 5, JobRun.State.SUCCEEDED),
    }
    made = {}
    for label, (state, age, _) in cases.items():
        made[label] = JobRun.objects.create(kind="say", arguments={"word": label}, state=state)
        _age(made[label], seconds=age)

    assert jobs_abandoned_fail() == 1
    assert jobs_abandoned_fail() == 0  # idempotent
    for label, (_, _, expected) in cases.items():
        made[label].refresh_from_db()
        assert made[label].state == expected, label
    assert "Abandoned" in made["abandoned"].error
    assert made["abandoned"].finished_at is not None


def test_the_sweep_resends_a_queued_job_whose_message_was_lost_once(db, stub_broker):
    lost = job_enqueue(say, word="lost")  # the process died before its on-commit send
    recent = job_enqueue(say, word="recent")
    _age(lost, seconds=jobs.RESEND_AFTER.total_seconds() + 5)
    running = JobRun.objects.create(kind="say", arguments={"word": "running"}, state=JobRun.State.RUNNING)
    _age(running, seconds=jobs.RESEND_AFTER.total_seconds() + 5)

    assert jobs_unsent_resend() == 1
    assert jobs_unsent_resend() == 0  # the re-send counts as a send: not again before RESEND_AFTER
    queue = stub_broker.queues[say.queue_name]
    assert queue.qsize() == 1
    message = dramatiq.Message.decode(queue.get_nowait())
    queue.task_done()  # taken off by hand: tell the queue, or a later join() waits for it forever
    assert message.kwargs == {"job_id": lost.pk, "word": "lost"}
    recent.refresh_from_db()
    assert recent.state == JobRun.State.QUEUED

    # The re-sent message runs it once; a late original would find it finished.
    say.fn(**message.kwargs)
    say.fn(**message.kwargs)
    lost.refresh_from_db()
    assert (lost.state, lost.attempts) == (JobRun.State.SUCCEEDED, 1)


def test_the_sweep_fails_a_queued_job_whose_actor_no_longer_exists(db, stub_broker):
    job = JobRun.objects.create(kind="renamed_long_ago", arguments={}, sent_at=timezone.now())
    _age(job, seconds=jobs.RESEND_AFTER.total_seconds() + 5)
    report = jobs_sweep()
    assert report.resent == 0
    job.refresh_from_db()
    assert job.state == JobRun.State.FAILED
    assert "renamed_long_ago" in job.error


@pytest.fixture
def pg_broker(transactional_db):
    broker = PostgresBroker(conninfo=django_conninfo(), lease_seconds=1)
    broker.add_middleware(DbConnectionsMiddleware())  # as in the real worker: jobs use Django's connections
    yield broker
    broker.close()


def test_with_the_postgres_broker_a_waiting_message_is_not_duplicated(pg_broker):
    @job_actor(queue_name="resend-pg", broker=pg_broker)
    def echo(job: JobProgress, *, word: str) -> str:
        return word

    job = job_enqueue(echo, word="waiting")  # autocommit: sent at once, into the broker's table
    _age(job, seconds=jobs.RESEND_AFTER.total_seconds() + 5)
    assert jobs_unsent_resend(broker=pg_broker) == 0  # its message is still queued: nothing lost

    QueuedMessage.objects.filter(queue_name="resend-pg").delete()  # the message never made it
    assert jobs_unsent_resend(broker=pg_broker) == 1
    assert pg_broker.pending("resend-pg") == 1

    worker = Worker(pg_broker, worker_timeout=100)
    worker.start()
    try:
        pg_broker.join("resend-pg", timeout=10_000)
        worker.join()
    finally:
        worker.stop()
    job.refresh_from_db()
    assert (job.state, job.result, job.attempts) == (JobRun.State.SUCCEEDED, "waiting", 1)


_KILLED_WORKER = textwrap.dedent(
    """
    import threading
    import django
    django.setup()
    import dramatiq
    from cineaesthete.core.broker import PostgresBroker
    from cineaesthete.core.jobs import job_actor

    broker = PostgresBroker(lease_seconds=1)

    @job_actor(queue_name="killed-worker", broker=broker)
    def survive_a_killed_worker(job, *, label):
        print("started", job.job.pk, flush=True)
        threading.Event().wait()  # until the OS kills this process

    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    threading.Event().wait()
    """
)


@pytest.mark.slow
def test_a_job_whose_worker_process_is_killed_is_finished_by_another_worker(pg_broker, monkeypatch):
    monkeypatch.setattr(jobs, "LEASE_SECONDS", 1)
    finished: list[str] = []

    @job_actor(queue_name="killed-worker", broker=pg_broker)
    def survive_a_killed_worker(job: JobProgress, *, label: str) -> str:
        finished.append(label)
        return label

    job = job_enqueue(survive_a_killed_worker, label="x")
    db = connection.settings_dict
    url = f"postgresql://{quote(db['USER'])}@/{quote(db['NAME'])}?host={quote(db['HOST'], safe='')}"
    environ = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "k" * 50, "PYTHONPATH": str(ROOT)}
    environ.update(DJANGO_SETTINGS_MODULE="cineaesthete.settings")
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WORKER], cwd=ROOT, env=environ, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().split() == ["started", str(job.pk)]
        job.refresh_from_db()
        assert (job.state, job.attempts) == (JobRun.State.RUNNING, 1)
    finally:
        child.kill()  # SIGKILL, as the OOM killer does: no ack, no cleanup
        child.wait()

    worker = Worker(pg_broker, worker_timeout=100)
    worker.start()
    try:
        pg_broker.join("killed-worker", timeout=30_000)
        worker.join()
    finally:
        worker.stop()
    job.refresh_from_db()
    assert finished == ["x"]
    assert (job.state, job.result, job.attempts) == (JobRun.State.SUCCEEDED, "x", 2)


@pytest.mark.django_db(transaction=True)
def test_a_job_run_inside_the_callers_transaction_does_not_wait_for_its_lease(monkeypatch):
    # The caller's transaction holds the job's (committed) row for the whole run: the lease thread must skip
    # its beats rather than wait for that transaction, which waits for the job, which waits for the thread.
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.01)
    job = JobRun.objects.create(kind="wait_for_a_heartbeat", arguments={"limit_seconds": 0.3})
    job_claim(job.pk)
    _age(job, seconds=jobs.LEASE_SECONDS + 1)  # committed as running, its worker gone: this run takes it over
    with transaction.atomic():
        wait_for_a_heartbeat.fn(job_id=job.pk, limit_seconds=0.3)
    job.refresh_from_db()
    assert job.state == JobRun.State.SUCCEEDED
