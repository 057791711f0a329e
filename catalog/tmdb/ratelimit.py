"""A request rate shared by every process: a token bucket kept in one database row.

Each caller takes a token with a single INSERT ... ON CONFLICT DO UPDATE (PostgreSQL serialises it on the
row) and learns how long to wait: the bucket may go negative, which reserves a later slot for the caller
instead of making everyone poll. The clock is the database's, so processes on several machines agree.

Call it outside a transaction (the service layer fetches before it opens a film's transaction): inside one,
the row lock would be held until commit and serialise every other process behind it.
"""

from __future__ import annotations

import time

from django.db import connection

from ..models import ApiRateBucket

_TAKE = f"""
INSERT INTO {ApiRateBucket._meta.db_table} AS bucket (name, tokens, refilled_at)
VALUES (%(name)s, %(capacity)s - 1, clock_timestamp())
ON CONFLICT (name) DO UPDATE
   SET tokens = LEAST(
           %(capacity)s,
           bucket.tokens + GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - bucket.refilled_at)) * %(rate)s
       ) - 1,
       refilled_at = clock_timestamp()
RETURNING tokens
"""


def rate_limit_wait(*, name: str, rate: float, capacity: float | None = None) -> float:
    """Take one token from bucket ``name`` (``rate`` tokens a second, at most ``capacity`` banked) and return
    the seconds the caller must wait before its request; 0 when a token was there."""
    if rate <= 0:
        return 0.0
    # A small bank: a burst after a quiet spell stays near the rate rather than a whole second's worth on top.
    capacity = capacity if capacity is not None else max(1.0, rate / 10)
    with connection.cursor() as cursor:
        cursor.execute(_TAKE, {"name": name, "capacity": capacity, "rate": rate})
        (tokens,) = cursor.fetchone()
    return max(0.0, -float(tokens) / rate)


def rate_limit_take(*, name: str, rate: float) -> None:
    """Wait until this process may make one more request under the shared ``rate``."""
    wait = rate_limit_wait(name=name, rate=rate)
    if wait > 0:
        time.sleep(wait)
