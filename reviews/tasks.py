"""Background jobs of the reviews app."""

from __future__ import annotations

import dramatiq
from django.conf import settings
from dramatiq_crontab import cron

from catalog.services.streaming import stale_films_refresh_queue
from cineaesthete.core.jobs import JobProgress, job_actor

from .imports import letterboxd_import_run, letterboxd_imports_cleanup
from .models import WatchlistEntry
from .services import digests_send


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


# Daily, after the nightly jobs; weekly digests go out on Mondays. Safe to run twice: one digest per period.
@cron("0 7 * * *")
@dramatiq.actor(queue_name="default", max_retries=0)
def send_alert_digests() -> None:
    """Mail the daily and weekly alert digests."""
    digests_send()


WATCHLIST_REFRESHES_PER_NIGHT = 5000


@cron("30 4 * * *")  # nightly: so availability alerts fire for watchlisted films nobody opens
@dramatiq.actor(queue_name="default", max_retries=0)
def refresh_watchlisted_providers() -> None:
    """Queue provider refreshes for stale films on anyone's watchlist (one refresh job per film)."""
    stale_films_refresh_queue(
        film_ids=WatchlistEntry.objects.values("film_id").distinct(), limit=WATCHLIST_REFRESHES_PER_NIGHT
    )
