"""A training whose worker died does not stay "training" forever."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cineaesthete.core import jobs
from cineaesthete.core.models import JobRun
from recommendations.models import RecommenderModel
from recommendations.services import TRAINING_JOB_KIND, recommender_abandoned_fail
from recommendations.tasks import sweep_abandoned_trainings, train_recommender

LEASE = timedelta(seconds=jobs.LEASE_SECONDS)


def _training(version: int, *, age: timedelta, state: str = RecommenderModel.State.TRAINING) -> RecommenderModel:
    model = RecommenderModel.objects.create(version=version, state=state)
    RecommenderModel.objects.filter(pk=model.pk).update(created_at=timezone.now() - age)
    return model


def _run(*, started_ago: timedelta, beat_ago: timedelta, state: str = JobRun.State.RUNNING) -> JobRun:
    now = timezone.now()
    return JobRun.objects.create(
        kind=TRAINING_JOB_KIND, state=state, started_at=now - started_ago, heartbeat_at=now - beat_ago
    )


def test_the_job_kind_is_the_training_actor():
    assert train_recommender.actor_name == TRAINING_JOB_KIND


def test_a_training_whose_worker_died_is_marked_failed(db):
    _run(started_ago=LEASE * 20, beat_ago=LEASE * 10)  # killed: its lease lapsed long ago
    dead = _training(1, age=LEASE * 19)
    assert recommender_abandoned_fail() == 1
    dead.refresh_from_db()
    assert dead.state == RecommenderModel.State.FAILED
    assert "Abandoned" in dead.error
    assert recommender_abandoned_fail() == 0  # idempotent


def test_a_job_taken_over_after_a_kill_abandons_the_first_row_not_its_own(db):
    first = _training(1, age=LEASE * 5)  # made by the killed first run
    _run(started_ago=LEASE * 2, beat_ago=timedelta(seconds=1))  # the same job, re-claimed and alive
    second = _training(2, age=LEASE * 2 - timedelta(seconds=1))
    recommender_abandoned_fail()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == RecommenderModel.State.FAILED
    assert second.state == RecommenderModel.State.TRAINING


@pytest.mark.parametrize(
    "state", [RecommenderModel.State.READY, RecommenderModel.State.ACTIVE, RecommenderModel.State.RETIRED]
)
def test_finished_versions_are_never_touched(db, state):
    model = _training(1, age=LEASE * 100, state=state)
    assert recommender_abandoned_fail() == 0
    model.refresh_from_db()
    assert model.state == state


def test_a_fresh_row_and_a_live_training_are_left_alone(db):
    _run(started_ago=LEASE * 3, beat_ago=timedelta(seconds=2))
    alive = _training(1, age=LEASE * 2)
    fresh = _training(2, age=timedelta(seconds=1))
    assert recommender_abandoned_fail() == 0
    alive.refresh_from_db()
    fresh.refresh_from_db()
    assert (alive.state, fresh.state) == (RecommenderModel.State.TRAINING, RecommenderModel.State.TRAINING)


@pytest.mark.django_db(transaction=True)
def test_the_scheduled_actor_runs_the_sweep_in_a_worker(stub_broker, stub_worker):
    dead = _training(1, age=LEASE * 3)
    sweep_abandoned_trainings.send()
    stub_broker.join(sweep_abandoned_trainings.queue_name)
    stub_worker.join()
    dead.refresh_from_db()
    assert dead.state == RecommenderModel.State.FAILED
