"""The embedded PostgreSQL broker, and the real Redis and RabbitMQ brokers CI provides."""

from __future__ import annotations

import os
import socket
import time
import uuid
from urllib.parse import urlparse

import dramatiq
import pytest
from dramatiq import Worker

from cineaesthete.core.broker import PostgresBroker, django_conninfo


def _run_job_through(broker: dramatiq.Broker) -> list[int]:
    seen: list[int] = []
    queue = f"test-{uuid.uuid4().hex[:8]}"

    @dramatiq.actor(broker=broker, queue_name=queue, actor_name=f"add_{queue}")
    def add(a: int, b: int) -> None:
        seen.append(a + b)

    worker = Worker(broker, worker_timeout=100)
    worker.start()
    try:
        add.send(2, 3)
        broker.join(queue, timeout=10_000)
        worker.join()
    finally:
        worker.stop()
        broker.flush_all()
    return seen


@pytest.fixture
def pg_broker(transactional_db):
    broker = PostgresBroker(conninfo=django_conninfo(), lease_seconds=1)
    yield broker
    broker.close()


def test_postgres_broker_delivers_a_message_to_a_worker(pg_broker):
    assert _run_job_through(pg_broker) == [5]


def test_postgres_broker_redelivers_a_message_whose_worker_died(pg_broker):
    pg_broker.declare_queue("crashy")
    message = dramatiq.Message(queue_name="crashy", actor_name="noop", args=(), kwargs={}, options={})
    pg_broker.enqueue(message)

    dying = pg_broker.consume("crashy", prefetch=1, timeout=100)
    taken = next(dying)
    assert taken.message_id == message.message_id
    dying.close()  # the process is killed: no ack, no requeue, no more lease renewals

    survivor = pg_broker.consume("crashy", prefetch=1, timeout=100)
    assert next(survivor) is None  # still leased to the dead worker
    time.sleep(1.2)  # the lease lapses (1 s in this test, 60 s by default)
    again = next(survivor)
    assert again is not None and again.message_id == message.message_id
    survivor.ack(again)
    assert pg_broker.pending("crashy") == 0
    survivor.close()


def test_postgres_broker_keeps_unfinished_messages_across_broker_restarts(pg_broker):
    pg_broker.declare_queue("durable")
    pg_broker.enqueue(dramatiq.Message(queue_name="durable", actor_name="noop", args=(), kwargs={}, options={}))
    pg_broker.close()

    restarted = PostgresBroker(conninfo=django_conninfo())
    restarted.declare_queue("durable")
    consumer = restarted.consume("durable", timeout=100)
    assert next(consumer) is not None
    consumer.close()
    restarted.close()


def test_postgres_broker_retries_a_failing_actor_through_its_delay_queue(pg_broker):
    attempts: list[int] = []

    @dramatiq.actor(broker=pg_broker, queue_name="retrying", max_retries=3, min_backoff=10, max_backoff=20)
    def sometimes() -> None:
        attempts.append(1)
        if len(attempts) < 2:
            raise RuntimeError("first try fails")

    worker = Worker(pg_broker, worker_timeout=100)
    worker.start()
    try:
        sometimes.send()
        deadline = time.monotonic() + 10
        while len(attempts) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        pg_broker.join("retrying", timeout=10_000)
    finally:
        worker.stop()
    assert len(attempts) == 2


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def _require(url: str, default_port: int) -> None:
    if not _reachable(url, default_port):
        if os.environ.get("CI"):
            pytest.fail(f"{url} is not reachable; CI provides Redis and RabbitMQ")
        pytest.skip(f"{url} is not reachable")


@pytest.mark.broker
def test_redis_broker_runs_a_job():
    from dramatiq.brokers.redis import RedisBroker

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    _require(url, 6379)
    assert _run_job_through(RedisBroker(url=url)) == [5]


@pytest.mark.broker
def test_rabbitmq_broker_runs_a_job():
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    url = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
    _require(url, 5672)
    broker = RabbitmqBroker(url=url)
    try:
        assert _run_job_through(broker) == [5]
    finally:
        broker.close()


def test_settings_pick_the_broker_from_the_url(monkeypatch):
    import importlib

    import cineaesthete.settings as settings_module

    monkeypatch.setenv("DRAMATIQ_BROKER_URL", "redis://127.0.0.1:6379/0")
    assert importlib.reload(settings_module).DRAMATIQ_BROKER["BROKER"] == "dramatiq.brokers.redis.RedisBroker"
    monkeypatch.setenv("DRAMATIQ_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")
    assert importlib.reload(settings_module).DRAMATIQ_BROKER["BROKER"] == "dramatiq.brokers.rabbitmq.RabbitmqBroker"
    monkeypatch.delenv("DRAMATIQ_BROKER_URL")
    assert importlib.reload(settings_module).DRAMATIQ_BROKER["BROKER"] == "cineaesthete.core.broker.PostgresBroker"
    monkeypatch.setenv("DRAMATIQ_BROKER_URL", "kafka://nope")
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="DRAMATIQ_BROKER_URL"):
        importlib.reload(settings_module)
    monkeypatch.delenv("DRAMATIQ_BROKER_URL")
    importlib.reload(settings_module)
