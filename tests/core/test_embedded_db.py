"""The embedded PostgreSQL: started on demand, shared by processes, stopped cleanly."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest

from cineaesthete import embedded_db


@pytest.mark.slow
def test_embedded_server_starts_once_is_shared_and_stops_cleanly(tmp_path):
    pgdata = tmp_path / "pgdata"
    params = embedded_db.ensure_running(pgdata)
    try:
        with psycopg.connect(host=params["HOST"], user=params["USER"], dbname=embedded_db.DATABASE_NAME) as conn:
            shared_buffers = conn.execute("SHOW shared_buffers").fetchone()[0]
            available = {row[0] for row in conn.execute("SELECT name FROM pg_available_extensions")}
        assert shared_buffers == "512MB"  # the tuned settings were applied at creation
        assert {"vector", "pg_trgm"} <= available

        # Another process finds the running server rather than starting a second one.
        code = f"from cineaesthete import embedded_db; from pathlib import Path; print(embedded_db.ensure_running(Path({str(pgdata)!r}))['HOST'])"
        other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert other.stdout.strip() == params["HOST"]
    finally:
        assert embedded_db.stop(pgdata)
    assert not embedded_db.stop(pgdata)  # already stopped
    assert not (pgdata / "postmaster.pid").exists()
