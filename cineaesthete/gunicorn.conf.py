"""gunicorn settings; every value can be overridden on the command line or with GUNICORN_CMD_ARGS.

Threaded workers (gthread): a page spends much of its time waiting on PostgreSQL, and threads share one
process's loaded models and warm caches. See bench/bench_load.py for the numbers behind the defaults.
"""

import logging
import os
import threading

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
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


def post_worker_init(worker) -> None:
    """Load the models pages use in the background as each worker starts (WEB_WARM_MODELS=0 to skip).

    The MiniLM text encoder takes 5-15 s to import and load on a 2-core box; loaded on demand, the first vibe
    searches after every start wait that long (and under load past a client's timeout). Requests that need a
    model while it loads wait for the same load.
    """
    if os.environ.get("WEB_WARM_MODELS", "1") != "0":
        threading.Thread(target=_warm_models, name="warm-models", daemon=True).start()


def _warm_models() -> None:
    # Imported here: gunicorn reads this file before Django is set up (the app is loaded later, preloaded in
    # the master), and these pull in torch.
    from django.db import connection

    from cineaesthete.ml import text_encoder
    from recommendations.selectors import serving_model

    try:
        text_encoder().embed(["warm up"])
        serving_model()
    except Exception:
        # A missing model only turns a signal off; the pages say so. Never let warming stop a worker.
        logging.getLogger(__name__).exception("Warming the models failed")
    finally:
        connection.close()
