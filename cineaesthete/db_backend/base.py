"""Django's PostgreSQL backend, starting the embedded server when the first connection needs it.

Settings only describe the database; importing them starts nothing. With ``DATABASE_URL`` unset, the
``default`` database names this backend and carries ``EMBEDDED_PGDATA``; the first connection a process opens
(a request, a migration, a worker's first message, the test database's creation) starts the server if it is
not running and fills in the socket directory, port and user it listens with.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from django.db.backends.postgresql import base as postgresql

from cineaesthete import embedded_db

_started: dict[Path, dict[str, str]] = {}
_lock = threading.Lock()


def embedded_connection_settings(settings_dict: dict[str, Any]) -> dict[str, Any]:
    """Start the embedded server named by ``settings_dict`` if needed and fill in where it listens.

    A no-op for a database without ``EMBEDDED_PGDATA`` (one given by ``DATABASE_URL``). The server is looked
    up once per process; ``settings_dict`` is updated in place, so code that reads ``settings.DATABASES``
    afterwards (the Dramatiq broker's own connections) sees the same parameters.
    """
    pgdata = settings_dict.get("EMBEDDED_PGDATA")
    if not pgdata:
        return settings_dict
    pgdata = Path(pgdata).resolve()
    with _lock:
        params = _started.get(pgdata)
        if params is None:
            params = _started[pgdata] = embedded_db.ensure_running(pgdata)
    settings_dict.update({key: params[key] for key in ("HOST", "PORT", "USER")})
    return settings_dict


class DatabaseWrapper(postgresql.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        embedded_connection_settings(self.settings_dict)
        return super().get_connection_params()
