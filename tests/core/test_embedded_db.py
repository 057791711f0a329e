"""The embedded PostgreSQL: started by the first connection (not by settings), shared by processes, stopped cleanly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest

from cineaesthete import embedded_db

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: import settings, set Django up, then open the first connection.
_CHILD = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path

    before = dict(os.environ)
    import cineaesthete.settings
    import django
    django.setup()
    after_import = dict(os.environ)
    from cineaesthete import embedded_db
    from django.db import connection
    pgdata = Path(os.environ["VAR_DIR"]) / "pgdata"
    running_before = embedded_db.is_running(pgdata)
    pgdata_existed = pgdata.exists()
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        database = cursor.fetchone()[0]
    print(json.dumps({
        "environ_changed": sorted(k for k in set(before) | set(after_import) if before.get(k) != after_import.get(k)),
        "running_before_connection": running_before,
        "pgdata_before_connection": pgdata_existed,
        "running_after_connection": embedded_db.is_running(pgdata),
        "database": database,
        "host": connection.settings_dict["HOST"],
    }))
    """
)


@pytest.mark.slow
def test_settings_start_nothing_and_the_first_connection_starts_a_shared_server(tmp_path):
    var_dir = tmp_path / "var"
    pgdata = var_dir / "pgdata"
    environ = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "XDG_RUNTIME_DIR"}}
    environ.update(VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="cineaesthete.settings", PYTHONPATH=str(ROOT))
    environ.pop("EMBEDDED_PGDATA", None)
    try:
        child = subprocess.run(
            [sys.executable, "-c", _CHILD], capture_output=True, text=True, env=environ, cwd=ROOT, check=False
        )
        assert child.returncode == 0, child.stderr
        report = json.loads(child.stdout.strip().splitlines()[-1])
        assert report["environ_changed"] == []  # importing settings and apps leaves the environment alone
        assert report["running_before_connection"] is False
        assert report["pgdata_before_connection"] is False
        assert report["running_after_connection"] is True
        assert report["database"] == embedded_db.DATABASE_NAME

        # Another process finds the running server rather than starting a second one.
        params = embedded_db.ensure_running(pgdata)
        assert params["HOST"] == report["host"]
        with psycopg.connect(host=params["HOST"], user=params["USER"], dbname=embedded_db.DATABASE_NAME) as conn:
            shared_buffers = conn.execute("SHOW shared_buffers").fetchone()[0]
            available = {row[0] for row in conn.execute("SELECT name FROM pg_available_extensions")}
        assert shared_buffers == "512MB"  # the tuned settings were applied at creation
        assert {"vector", "pg_trgm"} <= available
    finally:
        stopped = embedded_db.stop(pgdata)
    assert stopped
    assert not embedded_db.stop(pgdata)  # already stopped
    assert not (pgdata / "postmaster.pid").exists()
