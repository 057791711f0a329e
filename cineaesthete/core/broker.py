"""A Dramatiq broker that keeps its queues in PostgreSQL: the default when DRAMATIQ_BROKER_URL is unset.

Why PostgreSQL: the app already depends on it, so the embedded default needs no extra service, and a
message is a committed row, so nothing queued is lost when any process restarts. Workers claim rows with
``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)`` and hold a lease they renew while the message
is in hand; a worker killed mid-job stops renewing, the lease lapses, and another worker takes the message.
LISTEN/NOTIFY wakes idle consumers, so a job starts within milliseconds of being enqueued.

It uses its own psycopg connections (one per thread), not Django's, so it works in any process. The table
is created by the ``core`` app's migrations (``QueuedMessage``). For more throughput than PostgreSQL gives
comfortably, set DRAMATIQ_BROKER_URL to Redis or RabbitMQ: actors and callers do not change.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterable
from typing import Any

import psycopg
from dramatiq.broker import Broker, Consumer, MessageProxy
from dramatiq.common import current_millis, dq_name
from dramatiq.errors import BrokerConnectionError as DramatiqConnectionError
from dramatiq.errors import QueueJoinTimeout, QueueNotFound
from dramatiq.message import Message

from cineaesthete.db_backend.base import embedded_connection_settings

TABLE = "core_queuedmessage"
CHANNEL = "cineaesthete_jobs"


def django_conninfo() -> dict[str, Any]:
    """Connection parameters of Django's default database, for a separate psycopg connection."""
    from django.conf import settings

    # The embedded server may not be started yet in this process: the broker can connect before Django does.
    db = embedded_connection_settings(settings.DATABASES["default"])
    conninfo: dict[str, Any] = {"dbname": db["NAME"], "user": db.get("USER") or None}
    for key, name in (("HOST", "host"), ("PORT", "port"), ("PASSWORD", "password")):
        if db.get(key):
            conninfo[name] = db[key]
    # Django's own options (server_side_binding, isolation_level, pool...) are not libpq parameters.
    django_only = {"server_side_binding", "isolation_level", "assume_role", "pool", "cursor_factory"}
    conninfo.update({key: value for key, value in (db.get("OPTIONS") or {}).items() if key not in django_only})
    return {key: value for key, value in conninfo.items() if value is not None}


class _RowMessage(MessageProxy):
    def __init__(self, message: Message, row_id: int) -> None:
        super().__init__(message)
        self.row_id = row_id


class PostgresBroker(Broker):
    def __init__(
        self,
        *,
        middleware: list | None = None,
        conninfo: dict[str, Any] | None = None,
        lease_seconds: int = 60,
    ) -> None:
        super().__init__(middleware=middleware)
        self._conninfo = conninfo
        self.lease_seconds = lease_seconds
        self._local = threading.local()

    @property
    def conninfo(self) -> dict[str, Any]:
        if self._conninfo is None:
            self._conninfo = django_conninfo()
        return self._conninfo

    def connect(self) -> psycopg.Connection:
        try:
            return psycopg.connect(**self.conninfo, autocommit=True)
        except psycopg.OperationalError as exc:
            raise DramatiqConnectionError(str(exc)) from exc

    def _connection(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._local.conn = self.connect()
        return conn

    def _execute(self, sql: str, params: Iterable[Any] = ()) -> psycopg.Cursor:
        try:
            return self._connection().execute(sql, params)
        except psycopg.OperationalError:
            # The server restarted or the connection idled out: one fresh try.
            self._local.conn = None
            return self._connection().execute(sql, params)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def declare_queue(self, queue_name: str) -> None:
        if queue_name in self.queues:
            return
        self.emit_before("declare_queue", queue_name)
        self.queues[queue_name] = None
        self.emit_after("declare_queue", queue_name)
        delayed_name = dq_name(queue_name)
        self.queues[delayed_name] = None
        self.delay_queues.add(delayed_name)
        self.emit_after("declare_delay_queue", delayed_name)

    def enqueue(self, message: Message, *, delay: int | None = None) -> Message:
        queue_name = message.queue_name
        if delay is not None:
            queue_name = dq_name(queue_name)
            message = message.copy(queue_name=queue_name, options={"eta": current_millis() + delay})
        if queue_name not in self.queues:
            raise QueueNotFound(queue_name)
        self.emit_before("enqueue", message, delay)
        self._execute(
            f"WITH queued AS (INSERT INTO {TABLE} (queue_name, message_id, state, message)"
            f" VALUES (%s, %s, 'queued', %s) RETURNING queue_name)"
            f" SELECT pg_notify(%s, queue_name) FROM queued",
            [queue_name, message.message_id, json.dumps(message.asdict()), CHANNEL],
        )
        self.emit_after("enqueue", message, delay)
        return message

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Consumer:
        if queue_name not in self.queues:
            raise QueueNotFound(queue_name)
        return _PostgresConsumer(self, queue_name, prefetch, timeout)

    def pending(self, queue_name: str) -> int:
        """Messages not yet finished on a queue (and its delay queue)."""
        row = self._execute(
            f"SELECT count(*) FROM {TABLE} WHERE queue_name IN (%s, %s) AND state IN ('queued', 'consumed')",
            [queue_name, dq_name(queue_name)],
        ).fetchone()
        return int(row[0])

    def join(self, queue_name: str, *, timeout: int | None = None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout / 1000
        while self.pending(queue_name):
            if deadline is not None and time.monotonic() > deadline:
                raise QueueJoinTimeout(queue_name)
            time.sleep(0.05)

    def flush(self, queue_name: str) -> None:
        self._execute(
            f"DELETE FROM {TABLE} WHERE queue_name IN (%s, %s) AND state IN ('queued', 'consumed')",
            [queue_name, dq_name(queue_name)],
        )

    def flush_all(self) -> None:
        for queue_name in list(self.queues):
            if queue_name not in self.delay_queues:
                self.flush(queue_name)


class _PostgresConsumer(Consumer):
    def __init__(self, broker: PostgresBroker, queue_name: str, prefetch: int, timeout: int) -> None:
        self.broker = broker
        self.queue_name = queue_name
        self.prefetch = prefetch
        self.timeout = timeout
        self.conn = broker.connect()
        self.conn.execute(f"LISTEN {CHANNEL}")
        self.buffer: deque[_RowMessage] = deque()
        self.in_hand: dict[int, _RowMessage] = {}
        self.renewed_at = time.monotonic()

    def _sql(self, sql: str, params: Iterable[Any] = ()) -> psycopg.Cursor:
        try:
            return self.conn.execute(sql, params)
        except psycopg.OperationalError as exc:
            raise DramatiqConnectionError(str(exc)) from exc

    def _renew_leases(self) -> None:
        self.renewed_at = time.monotonic()
        if self.in_hand:
            self._sql(
                f"UPDATE {TABLE} SET leased_until = now() + make_interval(secs => %s), updated_at = now()"
                f" WHERE id = ANY(%s) AND state = 'consumed'",
                [self.broker.lease_seconds, list(self.in_hand)],
            )

    def _claim(self, limit: int) -> None:
        rows = self._sql(
            f"""
            UPDATE {TABLE} SET state = 'consumed', leased_until = now() + make_interval(secs => %s), updated_at = now()
            WHERE id IN (
                SELECT id FROM {TABLE}
                WHERE queue_name = %s
                  AND (state = 'queued' OR (state = 'consumed' AND leased_until < now()))
                ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
            )
            RETURNING id, message
            """,
            [self.broker.lease_seconds, self.queue_name, limit],
        ).fetchall()
        for row_id, payload in sorted(rows):
            proxy = _RowMessage(Message(**payload), row_id)
            self.in_hand[row_id] = proxy
            self.buffer.append(proxy)

    def __next__(self) -> MessageProxy | None:
        if time.monotonic() - self.renewed_at > self.broker.lease_seconds / 4:
            self._renew_leases()
        if self.buffer:
            return self.buffer.popleft()
        room = self.prefetch - len(self.in_hand)
        if room > 0:
            self._claim(room)
            if self.buffer:
                return self.buffer.popleft()
        # Nothing ready: sleep until a NOTIFY arrives or the timeout passes.
        try:
            for _ in self.conn.notifies(timeout=self.timeout / 1000, stop_after=1):
                pass
        except psycopg.OperationalError as exc:
            raise DramatiqConnectionError(str(exc)) from exc
        return None

    def _finish(self, message: MessageProxy, state: str) -> None:
        row_id = getattr(message, "row_id", None)
        if row_id is None:
            return
        self._sql(
            f"UPDATE {TABLE} SET state = %s, leased_until = NULL, updated_at = now() WHERE id = %s",
            [state, row_id],
        )
        self.in_hand.pop(row_id, None)

    def ack(self, message: MessageProxy) -> None:
        self._finish(message, "done")

    def nack(self, message: MessageProxy) -> None:
        self._finish(message, "rejected")

    def requeue(self, messages: Iterable[MessageProxy]) -> None:
        row_ids = [m.row_id for m in messages if getattr(m, "row_id", None) is not None]
        if row_ids:
            self._sql(
                f"UPDATE {TABLE} SET state = 'queued', leased_until = NULL, updated_at = now()"
                f" WHERE id = ANY(%s) AND state = 'consumed'",
                [row_ids],
            )
            for row_id in row_ids:
                self.in_hand.pop(row_id, None)

    def close(self) -> None:
        self.conn.close()


def purge_finished(days: int = 7) -> int:
    """Delete finished broker rows older than ``days``; returns how many went."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE state IN ('done', 'rejected') AND updated_at < now() - make_interval(days => %s)",
            [days],
        )
        return cursor.rowcount
