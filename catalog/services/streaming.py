"""Where to stream: TMDb's watch providers (data by JustWatch) per film and country, and members' services.

A film's providers are fetched with one request (``/movie/{tmdb_id}/watch/providers``, every country at once)
and replace what was stored for that film in one transaction. What became newly available is handed to the
listeners the apps above register (the watchlist alerts in reviews), after the transaction commits.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.countries import COUNTRIES
from catalog.models import (
    Availability,
    Film,
    FilmAvailability,
    FilmProvidersFetch,
    FilmWatchRegion,
    MemberService,
    WatchProvider,
    WatchProviderRegion,
)
from catalog.tmdb.client import TMDbNotFound, tmdb_client, tmdb_configured

logger = logging.getLogger(__name__)

KINDS = tuple(kind.value for kind in Availability)
# A page view queues at most one refresh of a film in this long, even if the worker is slow to run it.
REQUEUE_AFTER = datetime.timedelta(hours=1)
MAX_SERVICES = 100


class ProvidersPayloadError(ValueError):
    """TMDb's answer does not have the documented watch-providers shape."""


# (country, provider id, kind)
Offer = tuple[str, int, str]


@dataclass(frozen=True)
class ParsedProviders:
    providers: dict[int, tuple[str, str, int]]  # id -> (name, logo_path, display_priority)
    offers: dict[Offer, int]  # -> display priority
    links: dict[str, str]  # country -> TMDb's watch page


def watch_providers_parse(payload: object) -> ParsedProviders:
    """The providers, offers and links of a /movie/{id}/watch/providers (or a list) answer.

    Unknown countries and kinds are skipped (TMDb adds them from time to time); a provider without an id or
    a name, or a body that is not the documented shape, raises ProvidersPayloadError.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("results", {}), dict):
        raise ProvidersPayloadError("watch providers: 'results' is not an object of countries")
    providers: dict[int, tuple[str, str, int]] = {}
    offers: dict[Offer, int] = {}
    links: dict[str, str] = {}
    for country, region in payload.get("results", {}).items():
        if not isinstance(country, str) or country.upper() not in COUNTRIES or not isinstance(region, dict):
            continue
        country = country.upper()
        link = region.get("link")
        if isinstance(link, str) and link.startswith("https://") and len(link) <= 500:
            links[country] = link
        for kind in KINDS:
            entries = region.get(kind) or []
            if not isinstance(entries, list):
                raise ProvidersPayloadError(f"watch providers: {country}.{kind} is not a list")
            for entry in entries:
                provider_id, name, logo, priority = _provider_fields(entry)
                providers[provider_id] = (name, logo, priority)
                offers[(country, provider_id, kind)] = priority
    return ParsedProviders(providers=providers, offers=offers, links=links)


def _provider_fields(entry: object) -> tuple[int, str, str, int]:
    if not isinstance(entry, dict):
        raise ProvidersPayloadError("watch providers: a provider is not an object")
    provider_id, name = entry.get("provider_id"), entry.get("provider_name")
    if not isinstance(provider_id, int) or isinstance(provider_id, bool) or provider_id <= 0:
        raise ProvidersPayloadError(f"watch providers: bad provider_id {provider_id!r}")
    if not isinstance(name, str) or not name.strip():
        raise ProvidersPayloadError(f"watch providers: provider {provider_id} has no name")
    logo = entry.get("logo_path") if isinstance(entry.get("logo_path"), str) else ""
    priority = entry.get("display_priority")
    priority = priority if isinstance(priority, int) and not isinstance(priority, bool) and priority >= 0 else 1000
    return provider_id, name.strip()[:100], logo[:200], priority


def _providers_upsert(providers: dict[int, tuple[str, str, int]]) -> None:
    WatchProvider.objects.bulk_create(
        [
            WatchProvider(id=pk, name=name, logo_path=logo, display_priority=priority)
            for pk, (name, logo, priority) in sorted(providers.items())
        ],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["name", "logo_path"],
    )


# --- listeners: the apps above learn what changed ---------------------------------------------------------

# (film id, offers that were not there before) -> None. The watchlist alerts (reviews) register one.
AvailabilityListener = Callable[[int, list[Offer]], None]
_availability_listeners: list[AvailabilityListener] = []
# (film ids newly added to the catalogue) -> None. The followed-director alerts (reviews) register one.
FilmsAddedListener = Callable[[list[int]], None]
_films_added_listeners: list[FilmsAddedListener] = []


def availability_listener_register(listener: AvailabilityListener) -> None:
    if listener not in _availability_listeners:
        _availability_listeners.append(listener)


def films_added_listener_register(listener: FilmsAddedListener) -> None:
    if listener not in _films_added_listeners:
        _films_added_listeners.append(listener)


def films_added_announce(*, film_ids: Iterable[int]) -> None:
    """Tell the registered listeners that these films are new in the catalogue, once the transaction commits.

    Whatever adds films one by one (the TMDb sync, staff imports) calls this; bulk demo loads do not."""
    ids = sorted(set(film_ids))
    if ids:
        for listener in list(_films_added_listeners):
            transaction.on_commit(lambda listener=listener: listener(ids))


# --- refresh ----------------------------------------------------------------------------------------------


@dataclass
class ProvidersRefreshResult:
    film_id: int
    status: str  # "refreshed", "not-on-tmdb", "no-tmdb-id", "not-configured", "no-film"
    added: list[Offer] = field(default_factory=list)
    removed: list[Offer] = field(default_factory=list)


def film_providers_refresh(*, film_id: int, now: datetime.datetime | None = None) -> ProvidersRefreshResult:
    """Fetch a film's providers in every country from TMDb and store them in place of the old ones.

    Safe to run twice (the second run finds nothing new). TMDb errors that a retry can help (429, 5xx,
    timeouts: TMDbError) propagate so the job retries; a film TMDb no longer has keeps no providers.
    """
    now = now or timezone.now()
    film = Film.objects.only("id", "tmdb_id").filter(pk=film_id).first()
    if film is None:  # deleted since the refresh was queued: nothing to do
        return ProvidersRefreshResult(film_id=film_id, status="no-film")
    if not tmdb_configured():
        return ProvidersRefreshResult(film_id=film_id, status="not-configured")
    if film.tmdb_id is None:
        _fetch_mark(film_id, now, error="no TMDb id")
        return ProvidersRefreshResult(film_id=film_id, status="no-tmdb-id")
    try:
        payload = tmdb_client().get(f"/movie/{film.tmdb_id}/watch/providers")
        status = "refreshed"
    except TMDbNotFound:
        payload, status = {"results": {}}, "not-on-tmdb"
    parsed = watch_providers_parse(payload)
    with transaction.atomic():
        # Lock the film's fetch row so two refreshes of one film apply one after the other.
        FilmProvidersFetch.objects.get_or_create(film_id=film_id)
        FilmProvidersFetch.objects.select_for_update().get(film_id=film_id)
        before = set(FilmAvailability.objects.filter(film_id=film_id).values_list("country", "provider_id", "kind"))
        after = set(parsed.offers)
        added, removed = sorted(after - before), sorted(before - after)
        _providers_upsert(parsed.providers)
        if removed:
            gone = Q()
            for country, provider_id, kind in removed:
                gone |= Q(country=country, provider_id=provider_id, kind=kind)
            FilmAvailability.objects.filter(gone, film_id=film_id).delete()
        FilmAvailability.objects.bulk_create(
            [
                FilmAvailability(film_id=film_id, country=c, provider_id=p, kind=k, display_priority=priority)
                for (c, p, k), priority in parsed.offers.items()
            ],
            update_conflicts=True,
            unique_fields=["film", "country", "kind", "provider"],
            update_fields=["display_priority"],
        )
        WatchProviderRegion.objects.bulk_create(
            [WatchProviderRegion(provider_id=p, country=c) for c, p, _kind in added],
            ignore_conflicts=True,
        )
        FilmWatchRegion.objects.filter(film_id=film_id).exclude(country__in=list(parsed.links)).delete()
        FilmWatchRegion.objects.bulk_create(
            [FilmWatchRegion(film_id=film_id, country=c, link=link) for c, link in sorted(parsed.links.items())],
            update_conflicts=True,
            unique_fields=["film", "country"],
            update_fields=["link"],
        )
        _fetch_mark(film_id, now, error="" if status == "refreshed" else "not on TMDb")
        if added:
            for listener in list(_availability_listeners):
                transaction.on_commit(lambda listener=listener: listener(film_id, added))
    return ProvidersRefreshResult(film_id=film_id, status=status, added=added, removed=removed)


def _fetch_mark(film_id: int, now: datetime.datetime, *, error: str) -> None:
    FilmProvidersFetch.objects.update_or_create(
        film_id=film_id, defaults={"fetched_at": now, "queued_at": None, "error": error[:300]}
    )


def film_providers_stale(*, fetched_at: datetime.datetime | None, now: datetime.datetime | None = None) -> bool:
    if fetched_at is None:
        return True
    return (now or timezone.now()) - fetched_at > datetime.timedelta(days=settings.STREAMING_STALE_DAYS)


def film_providers_refresh_queue(*, film_id: int, now: datetime.datetime | None = None) -> bool:
    """Queue a refresh of the film's providers if they are stale and no refresh is queued; True if queued.
    Never waits for TMDb: the job runs in a worker once the transaction commits.

    Claimed with a conditional UPDATE, so simultaneous page views queue one refresh, not one each."""
    from catalog.tasks import refresh_film_providers  # tasks imports this module

    if not tmdb_configured():
        return False
    now = now or timezone.now()
    stale_before = now - datetime.timedelta(days=settings.STREAMING_STALE_DAYS)
    FilmProvidersFetch.objects.get_or_create(film_id=film_id)
    claimed = (
        FilmProvidersFetch.objects.filter(film_id=film_id)
        .filter(Q(fetched_at__isnull=True) | Q(fetched_at__lt=stale_before))
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - REQUEUE_AFTER))
        .update(queued_at=now)
    )
    if claimed:
        transaction.on_commit(lambda: refresh_film_providers.send(film_id))
    return bool(claimed)


def stale_films_refresh_queue(*, film_ids: Iterable[int], limit: int, now: datetime.datetime | None = None) -> int:
    """Queue refreshes for up to ``limit`` of these films whose providers are stale (the nightly job for films
    on watchlists, so alerts fire even for films nobody opens); returns how many were queued."""
    if not tmdb_configured():
        return 0
    now = now or timezone.now()
    stale_before = now - datetime.timedelta(days=settings.STREAMING_STALE_DAYS)
    candidates = (
        Film.objects.filter(pk__in=film_ids, tmdb_id__isnull=False)
        .filter(
            Q(providers_fetch__isnull=True)
            | Q(providers_fetch__fetched_at__isnull=True)
            | Q(providers_fetch__fetched_at__lt=stale_before)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(film_providers_refresh_queue(film_id=film_id, now=now) for film_id in list(candidates))


def provider_list_refresh_queue(*, country: str) -> None:
    """Fetch a country's provider list in a worker, once the transaction commits (the settings page)."""
    from catalog.tasks import refresh_provider_list  # tasks imports this module

    country = country_check(country)
    if tmdb_configured():
        transaction.on_commit(lambda: refresh_provider_list.send(country))


def providers_list_refresh(*, country: str) -> int:
    """Store the providers TMDb lists for a country (/watch/providers/movie?watch_region=), for members to
    choose from; returns how many. Raises TMDbNotConfigured without a key."""
    country = country_check(country)
    payload = tmdb_client().get("/watch/providers/movie", watch_region=country)
    entries = payload.get("results")
    if not isinstance(entries, list):
        raise ProvidersPayloadError("provider list: 'results' is not a list")
    providers: dict[int, tuple[str, str, int]] = {}
    for entry in entries:
        provider_id, name, logo, _priority = _provider_fields(entry)
        priorities = entry.get("display_priorities") if isinstance(entry.get("display_priorities"), dict) else {}
        priority = priorities.get(country, entry.get("display_priority"))
        priority = priority if isinstance(priority, int) and not isinstance(priority, bool) and priority >= 0 else 1000
        providers[provider_id] = (name, logo, priority)
    with transaction.atomic():
        _providers_upsert(providers)
        WatchProviderRegion.objects.bulk_create(
            [WatchProviderRegion(provider_id=p, country=country, display_priority=v[2]) for p, v in providers.items()],
            update_conflicts=True,
            unique_fields=["country", "provider"],
            update_fields=["display_priority"],
        )
    return len(providers)


# --- members' services ------------------------------------------------------------------------------------


def country_check(country: str) -> str:
    code = (country or "").strip().upper()
    if code not in COUNTRIES:
        raise ValidationError(f"Unknown country code {country[:10]!r}: use a two-letter ISO 3166 code such as US.")
    return code


@transaction.atomic
def member_services_set(*, user, provider_ids: Iterable[object], country: str) -> list[int]:
    """Replace the member's services with these providers, each offered in ``country``; returns their ids.

    Ids that are not whole numbers, unknown providers and providers not offered in the country are refused
    with a ValidationError naming them, and nothing changes."""
    country = country_check(country)
    ids: set[int] = set()
    for raw in provider_ids:
        text = str(raw).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 9:
            raise ValidationError(f"{text[:20]!r} is not a streaming service id.")
        ids.add(int(text))
    if len(ids) > MAX_SERVICES:
        raise ValidationError(f"Choose at most {MAX_SERVICES} services.")
    offered = set(
        WatchProviderRegion.objects.filter(country=country, provider_id__in=ids).values_list("provider_id", flat=True)
    )
    unknown = sorted(ids - offered)
    if unknown:
        raise ValidationError(
            f"Not a service offered in {COUNTRIES[country]}: {', '.join(str(pk) for pk in unknown[:10])}."
        )
    MemberService.objects.filter(user=user).exclude(provider_id__in=ids).delete()
    MemberService.objects.bulk_create(
        [MemberService(user=user, provider_id=pk) for pk in sorted(ids)], ignore_conflicts=True
    )
    return sorted(ids)
