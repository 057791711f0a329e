"""Background jobs of the reviews app."""

from __future__ import annotations

import dramatiq
from django.conf import settings
from dramatiq_crontab import cron

from cineaesthete.core.jobs import JobProgress, job_actor

from .imports import letterboxd_import_run, letterboxd_imports_cleanup


# Imports have their own queue, so a long one never holds the threads that sentiment and training use
# (run a worker with `--queues imports` to give them their own), and a time limit that stops a runaway.
@job_actor(queue_name="imports", time_limit=settings.LETTERBOXD_IMPORT_TIME_LIMIT_S * 1000)
def import_letterboxd(job: JobProgress, *, import_id: int) -> dict:
    """Import an uploaded Letterboxd zip (see ``reviews.imports.letterboxd_import_run``)."""
    return letterboxd_import_run(import_id=import_id, progress=job)


@cron("40 * * * *")  # hourly; sent by the `manage.py crontab` scheduler process
@dramatiq.actor(queue_name="imports", max_retries=0)
def cleanup_letterboxd_uploads() -> None:
    """End abandoned imports and delete uploads that no unfinished import needs."""
    letterboxd_imports_cleanup()
