"""Background jobs of the catalogue: the TMDb sync as a tracked job, the nightly changes, where to stream."""

from __future__ import annotations

import dramatiq
from dramatiq_crontab import cron

from cineaesthete.core.jobs import JobProgress, job_actor, job_enqueue

from .services.streaming import film_providers_refresh, films_added_announce, providers_list_refresh
from .tmdb.client import TMDbAuthError, TMDbError, tmdb_configured
from .tmdb.grow import tmdb_changes_sync, tmdb_film_import, tmdb_ids_file_import
from .tmdb.sync import tmdb_enrich


# Safe to run twice and to retry: each film is stored in its own transaction with tmdb_synced_at, and a run
# picks up only the films still without it.
@job_actor(queue_name="default", time_limit=6 * 60 * 60 * 1000)
def sync_tmdb(
    job: JobProgress,
    *,
    film_ids: list[int] | None = None,
    refresh: bool = False,
    ids_file: str = "",
    changes_days: int = 0,
) -> dict:
    result: dict = {}
    if ids_file:
        added = tmdb_ids_file_import(source=ids_file)
        result["ids_file"] = added.as_dict()
        film_ids = [*(film_ids or []), *added.film_ids] if added.film_ids else film_ids
    if changes_days:
        result["changes"] = tmdb_changes_sync(days=changes_days, progress=job).as_dict()
    if film_ids is not None or not (ids_file or changes_days):
        result["enrich"] = tmdb_enrich(film_ids=film_ids, refresh=refresh, progress=job).as_dict()
    if ids_file and added.film_ids:
        # New films now have their credits: members following their directors hear of them.
        films_added_announce(film_ids=added.film_ids)
    return result


@cron("30 4 * * *")  # nightly, in TIME_ZONE; sent by the `manage.py crontab` scheduler process
@dramatiq.actor(queue_name="default", max_retries=0)
def nightly_tmdb_changes() -> None:
    """Edits and removals TMDb made in the last two days (overlapping, so a missed night loses nothing)."""
    if tmdb_configured():
        job_enqueue(sync_tmdb, changes_days=2)


@job_actor(queue_name="default")
def import_tmdb_film(job: JobProgress, *, tmdb_id: int) -> dict:
    """One film by TMDb id (staff's admin import, members' "Add it from TMDb"): its catalogue id when done."""
    imported = tmdb_film_import(tmdb_id=tmdb_id)
    return {"film_id": imported.film.pk, "created": imported.created}


REFRESH_RETRIES = 5


def _retry_when(retries: int, error: Exception) -> bool:
    # Only what a retry can help: TMDb's 429s, 5xx and timeouts. A refused key or a malformed answer
    # would fail the same way again.
    return retries < REFRESH_RETRIES and isinstance(error, TMDbError) and not isinstance(error, TMDbAuthError)


@dramatiq.actor(queue_name="default", retry_when=_retry_when, min_backoff=10_000)
def refresh_film_providers(film_id: int) -> None:
    """Fetch one film's watch providers from TMDb (queued by a page view of a stale film). Safe to run twice."""
    film_providers_refresh(film_id=film_id)


@dramatiq.actor(queue_name="default", retry_when=_retry_when, min_backoff=10_000)
def refresh_provider_list(country: str) -> None:
    """Fetch the providers TMDb lists in a country (for members choosing their services). Safe to run twice."""
    providers_list_refresh(country=country)
