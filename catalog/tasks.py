"""Background jobs of the catalogue: where to stream."""

from __future__ import annotations

import dramatiq

from .services.streaming import film_providers_refresh, providers_list_refresh
from .tmdb.client import TMDbAuthError, TMDbError

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
