"""Tracked jobs: every run is a JobRun with state, progress, result and, on failure, a traceback."""

from __future__ import annotations

import json

import pytest

from cineaesthete.core.jobs import JobProgress, job_actor, job_enqueue, job_retry, job_run_inline
from cineaesthete.core.models import JobRun

calls: list[int] = []
failures_left = {"count": 0}


@job_actor
def count_to(job: JobProgress, *, n: int) -> dict:
    for i in range(n):
        job(f"counted {i + 1}", i + 1, n)
    calls.append(n)
    return {"counted": n}


@job_actor
def flaky(job: JobProgress, *, label: str) -> str:
    if failures_left["count"] > 0:
        failures_left["count"] -= 1
        raise RuntimeError(f"boom in {label}")
    return label


@pytest.fixture(autouse=True)
def _reset():
    calls.clear()
    failures_left["count"] = 0


@pytest.mark.django_db(transaction=True)
def test_an_enqueued_job_runs_in_a_worker_and_records_its_result(stub_broker, stub_worker):
    job = job_enqueue(count_to, n=3)
    stub_broker.join(count_to.queue_name)
    stub_worker.join()
    job.refresh_from_db()
    assert job.state == JobRun.State.SUCCEEDED
    assert job.result == {"counted": 3}
    assert (job.progress_done, job.progress_total) == (3, 3)
    assert job.attempts == 1
    assert job.started_at <= job.finished_at


@pytest.mark.django_db(transaction=True)
def test_message_arguments_survive_a_json_round_trip(stub_broker):
    job_enqueue(count_to, n=2)
    message = stub_broker.queues[count_to.queue_name].get_nowait()
    payload = json.loads(message)
    assert payload["kwargs"] == {"job_id": payload["kwargs"]["job_id"], "n": 2}


def test_job_is_sent_only_when_the_transaction_commits(db, stub_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job_enqueue(count_to, n=1)
        assert stub_broker.queues[count_to.queue_name].qsize() == 0
    assert len(callbacks) == 1


def test_a_failing_job_keeps_its_traceback_and_can_be_retried(db, stub_broker, django_capture_on_commit_callbacks):
    failures_left["count"] = 1
    job = job_run_inline(flaky, label="first")
    assert job.state == JobRun.State.FAILED
    assert "RuntimeError: boom in first" in job.error
    assert job.finished_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        assert job_retry(job)
    assert stub_broker.queues[flaky.queue_name].qsize() == 1
    flaky.fn(job_id=job.pk, label="first")  # what the worker does with that message
    job.refresh_from_db()
    assert job.state == JobRun.State.SUCCEEDED
    assert job.attempts == 2


def test_only_failed_jobs_can_be_retried(db):
    job = job_run_inline(count_to, n=1)
    assert job.state == JobRun.State.SUCCEEDED
    assert not job_retry(job)


def test_a_finished_job_delivered_twice_does_not_run_again(db):
    job = job_run_inline(count_to, n=1)
    count_to.fn(job_id=job.pk, n=1)  # a duplicate delivery
    assert calls == [1]
    job.refresh_from_db()
    assert job.attempts == 1


def test_staff_page_lists_jobs_and_retries_failed_ones(client, staff, alice, stub_broker):
    failures_left["count"] = 1
    job = job_run_inline(flaky, label="x")
    client.force_login(alice)
    assert client.get("/staff/jobs/").status_code == 302  # members are sent to the admin login
    client.force_login(staff)
    page = client.get("/staff/jobs/")
    assert page.status_code == 200
    assert b"flaky" in page.content
    assert client.get(f"/staff/jobs/{job.pk}/").status_code == 200
    assert b"boom in x" in client.get(f"/staff/jobs/{job.pk}/").content
    assert client.get(f"/staff/jobs/{job.pk}/retry/").status_code == 405
    response = client.post(f"/staff/jobs/{job.pk}/retry/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == JobRun.State.QUEUED
