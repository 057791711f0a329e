"""Shared fixtures: named personas, small factories, and per-test media storage."""

from __future__ import annotations

import pytest

from tests.factories import make_film, make_member
from tests.streaming_stand_in import tmdb_off, tmdb_stand_in  # noqa: F401 (fixtures for every test folder)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture
def alice(db):
    """A regular member."""
    return make_member("alice")


@pytest.fixture
def bob(db):
    """Another regular member, to check that one member cannot touch another's things."""
    return make_member("bob")


@pytest.fixture
def staff(db):
    return make_member("staffer", is_staff=True, is_superuser=True)


@pytest.fixture
def film(db):
    return make_film("Alien", year=1979, movielens_id=1214)


@pytest.fixture
def stub_broker(settings):
    """Dramatiq's stub broker, emptied for the test."""
    import dramatiq

    broker = dramatiq.get_broker()
    _stub_broker_empty(broker)
    yield broker
    _stub_broker_empty(broker)


def _stub_broker_empty(broker) -> None:
    """Flush every queue and settle its count of unfinished messages. A test that takes a message off a queue
    by hand without task_done() would otherwise leave the count above zero, and every later join() on that
    queue would wait forever."""
    broker.flush_all()
    for queue in broker.queues.values():  # delay queues included (their names are in broker.delay_queues)
        with queue.all_tasks_done:
            queue.unfinished_tasks = len(queue.queue)  # qsize() would take the lock held here
            queue.all_tasks_done.notify_all()


@pytest.fixture
def stub_worker(stub_broker):
    from dramatiq import Worker

    worker = Worker(stub_broker, worker_timeout=100)
    worker.start()
    yield worker
    worker.stop()
