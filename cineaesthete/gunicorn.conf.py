"""gunicorn settings; every value can be overridden on the command line or with GUNICORN_CMD_ARGS.

Threaded workers (gthread): a page spends much of its time waiting on PostgreSQL, and threads share one
process's loaded models and warm caches. See bench/bench_load.py for the numbers behind the defaults.
"""

import os

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
# Load the app (and start the embedded database) once in the master, before forking workers.
preload_app = True
