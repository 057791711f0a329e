"""gunicorn settings; every value can be overridden on the command line or with GUNICORN_CMD_ARGS."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = 30
graceful_timeout = 20
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESSLOG", None)
errorlog = "-"
# Load the app once in the master, before forking workers.
preload_app = True


def when_ready(server) -> None:
    """Start the embedded database (when DATABASE_URL is unset) in the master, before any worker forks.

    Workers inherit where it listens, so no request waits for the server to start. No connection is opened
    here: a psycopg connection must not be shared across fork.
    """
    # Imported here: gunicorn reads this file before the app (and Django) is loaded.
    from django.conf import settings

    from cineaesthete.db_backend.base import embedded_connection_settings

    embedded_connection_settings(settings.DATABASES["default"])
