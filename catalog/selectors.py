"""Reads for the catalogue pages: browsing, film and person pages, the home page, search."""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity, TrigramStrictWordSimilarity
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.text import slugify

from accounts.countries import COUNTRIES

from .matching import match_score, words_all_found
from .models import (
    FREE_KINDS,
    PAY_KINDS,
    STREAM_KINDS,
    AlternativeTitle,
    Availability,
    Credit,
    CriticScore,
    Film,
    FilmAvailability,
    FilmImage,
    FilmRelease,
    FilmWatchRegion,
    Genre,
    Keyword,
    MemberService,
    Person,
    StaffPick,
    StaffPickList,
    WatchProvider,
    film_sort_orders,
)

# Columns a film card needs: everything else stays in the database.
FILM_CARD_FIELDS = ("id", "title", "year", "poster_id")
POSTER_FIELDS = ("id", "file", "width", "height")

BROWSE_SORTS = {
    "popularity": "Most popular",
    "rating": "Highest rated",
    "newest": "Newest",
    "oldest": "Oldest",
    "title": "Title",
}
DEFAULT_SORT = "popularity"
BROWSE_DECADES = tuple(range(1910, 2020, 10))

GENRES_CACHE_KEY = "catalog:browse-choices:v2"
GENRES_CACHE_SECONDS = 600

# word_similarity(query, title) threshold for search. pg_trgm's default (0.6) misses one-letter
# transpositions in short titles ("alein" scores 0.33 against "Alien").
SEARCH_WORD_SIMILARITY_THRESHOLD = 0.3
# strict_word_similarity(query, title) threshold of the narrow first look for a one-part query (see
# _best_title_matches): pg_trgm's default, and the bound that proves the wide look unneeded.
SEARCH_STRICT_WORD_SIMILARITY_THRESHOLD = 0.5
# How many trigram matches are re-ranked by edit distance (the right film sits in the first few).
SEARCH_CANDIDATES = 40


def film_cards() -> QuerySet[Film]:
    """Films with just what a card shows; their posters come in one extra query for the whole page.

    Prefetching rather than joining the poster lets PostgreSQL sort and cut the page from the film table
    alone, then fetch the 48 posters by primary key: a join would be done for every matching film first.
    """
    return Film.objects.only(*FILM_CARD_FIELDS).prefetch_related(
        Prefetch("poster", queryset=FilmImage.objects.only(*POSTER_FIELDS))
    )


def film_cards_in_bulk(film_ids: Iterable[int]) -> dict[int, Film]:
    """{id: film} with just what a card shows, poster joined: one narrow query for a short list of ids
    (recommendations, similar films). Plots and other long columns stay in the database."""
    fields = (*FILM_CARD_FIELDS, *(f"poster__{field}" for field in POSTER_FIELDS))
    return Film.objects.select_related("poster").only(*fields).in_bulk(list(film_ids))


def browse_choices() -> dict[str, list]:
    """The browse page's choices, cached together (one cache read a page): ``genres`` as (slug, name) and
    ``decades`` holding at least one film, oldest first. They change only when a catalogue is imported."""

    def choices() -> dict[str, list]:
        years = Film.objects.exclude(year=None).values_list("year", flat=True).distinct()
        return {
            "genres": list(Genre.objects.order_by("name").values_list("slug", "name")),
            "decades": sorted({year // 10 * 10 for year in years}),
        }

    return cache.get_or_set(GENRES_CACHE_KEY, choices, GENRES_CACHE_SECONDS)


def genre_choices() -> list[tuple[str, str]]:
    """(slug, name) of every genre, cached."""
    return browse_choices()["genres"]


@dataclass(frozen=True)
class BrowseFilter:
    """A filter of the browse page that an app above the catalogue contributes (the audience mood from
    review sentiment): the catalogue cannot import those apps, so they register here when they start."""

    name: str  # the query-string parameter
    label: str
    any_label: str  # the choice that filters nothing
    choices: Callable[[], list[tuple[str, str]]]  # (value, label)
    film_ids: Callable[[str], QuerySet | Iterable[int]]  # the films a value keeps, as a subquery or ids


_BROWSE_FILTERS: dict[str, BrowseFilter] = {}


def browse_filter_register(browse_filter: BrowseFilter) -> None:
    """Add a filter to the browse page (from an AppConfig.ready); registering a name again replaces it."""
    _BROWSE_FILTERS[browse_filter.name] = browse_filter


def browse_filters() -> list[BrowseFilter]:
    return list(_BROWSE_FILTERS.values())


def film_browse(
    *,
    genre_slug: str = "",
    decade: int | None = None,
    sort: str = DEFAULT_SORT,
    filters: Mapping[str, str] | None = None,
    streaming: str = "",
    country: str = "",
    service_ids: Iterable[int] = (),
) -> QuerySet[Film]:
    """Browse: filter by genre, decade, the registered filters ({name: chosen value}) and where the film
    streams (``streaming`` from STREAMING_FILTERS, in ``country``, on ``service_ids``), then sort."""
    films = film_cards()
    condition = streaming_filter(value=streaming, country=country, provider_ids=service_ids)
    if condition is not None:
        films = films.filter(condition)
    for name, value in (filters or {}).items():
        if value:
            films = films.filter(pk__in=_BROWSE_FILTERS[name].film_ids(value))
    if genre_slug:
        films = films.filter(genres__slug=genre_slug)
    if decade is not None:
        films = films.filter(year__gte=decade, year__lt=decade + 10)
    return films.order_by(*film_sort_orders()[sort if sort in BROWSE_SORTS else DEFAULT_SORT])


def popular_films(*, limit: int = 24) -> list[Film]:
    return list(film_cards().order_by("-rating_count", "id")[:limit])


def featured_staff_lists(*, films_per_list: int = 12) -> list[StaffPickList]:
    """Featured staff-pick lists, each with `.shown_picks` (pick + film card), in two queries."""
    picks = StaffPick.objects.select_related("film__poster").only(
        "id",
        "staff_list_id",
        "note",
        "position",
        *(f"film__{field}" for field in FILM_CARD_FIELDS),
        *(f"film__poster__{field}" for field in POSTER_FIELDS),
    )
    return list(
        StaffPickList.objects.filter(is_featured=True)
        .only("id", "title", "slug", "description")
        .prefetch_related(
            Prefetch("picks", queryset=picks.order_by("position", "id")[:films_per_list], to_attr="shown_picks")
        )
    )


def film_title_forms(*, film_ids: Iterable[int] | None = None) -> dict[int, list[str]]:
    """{film id: every title the film is known by}, display title first, then the original title and the
    alternative titles, each once; without ``film_ids``, every film. Two queries.

    For matching titles from elsewhere (an import), compare them through catalog.titles.normalise_title."""
    films = Film.objects.all() if film_ids is None else Film.objects.filter(pk__in=list(film_ids))
    forms = {pk: [title, original] for pk, title, original in films.values_list("id", "title", "original_title")}
    alternatives = AlternativeTitle.objects.filter(film_id__in=films.values("id")).order_by("film_id", "id")
    for film_id, title in alternatives.values_list("film_id", "title"):
        forms[film_id].append(title)
    return {pk: list(dict.fromkeys(title for title in titles if title)) for pk, titles in forms.items()}


# The crew jobs the film page names (TMDb's job → the page's label), in this order; person pages list every job.
KEY_CREW_JOBS = {
    "Director of Photography": "Cinematography",
    "Original Music Composer": "Music",
    "Editor": "Editing",
    "Production Design": "Production design",
}


@dataclass(frozen=True)
class FilmCredits:
    directors: list[Credit]
    writers: list[Credit]
    cast: list[Credit]
    crew: list[tuple[str, list[Credit]]] = ()  # (label, credits) for KEY_CREW_JOBS present


GRID_ROW = 6  # card grids have 2, 3, 4 or 6 columns (static/css/site.css)


def whole_rows(items: list, *, row: int = GRID_ROW) -> list:
    """A selection of cards trimmed to whole rows of ``row`` (when there is at least one row): a multiple of 6
    ends every 2-, 3- and 6-column grid on a full row and a 4-column one on two cards, never on a lonely card."""
    return items if len(items) < row else items[: len(items) // row * row]


GRID_PAGE = 24  # a multiple of 12: a full page of cards ends on a whole row in 2-, 3-, 4- and 6-column grids


def grid_page(items: list | QuerySet, *, number: object) -> Page:
    """One page of a card grid that must reach every item (a watchlist, a filmography), where ``whole_rows``
    may not drop any: every page but the last holds ``GRID_PAGE`` cards, whole rows in every grid, and the
    last holds the rest. ``number`` comes from the URL: anything that is not a page number gives page 1, a
    number past the end the last page (Paginator.get_page)."""
    return Paginator(items, GRID_PAGE).get_page(number)


def film_for_page(*, film_id: int) -> Film:
    """The film with its poster and ``backdrop_url`` (its first backdrop image's address, or ""), or 404."""
    backdrops = FilmImage.objects.filter(film=OuterRef("pk"), kind=FilmImage.Kind.BACKDROP).order_by("id")
    film = get_object_or_404(
        Film.objects.select_related("poster").annotate(backdrop_file=Subquery(backdrops.values("file")[:1])),
        pk=film_id,
    )
    storage = FilmImage._meta.get_field("file").storage
    film.backdrop_url = storage.url(film.backdrop_file) if film.backdrop_file else ""
    return film


def film_genres(*, film: Film) -> list[Genre]:
    # A plain query: prefetch_related's machinery costs more CPU than the query itself here.
    return list(Genre.objects.filter(films=film).only("id", "name", "slug").order_by("name"))


def film_credits(*, film: Film) -> FilmCredits:
    credits = list(
        Credit.objects.filter(film=film)
        .exclude(Q(role=Credit.Role.CREW) & ~Q(job__in=KEY_CREW_JOBS))
        .select_related("person")
        .only("id", "role", "job", "character", "order", "person__id", "person__name")
        .order_by("role", "order", "id")
    )
    crew = [
        (label, [credit for credit in credits if credit.role == Credit.Role.CREW and credit.job == job])
        for job, label in KEY_CREW_JOBS.items()
    ]
    return FilmCredits(
        directors=[credit for credit in credits if credit.role == Credit.Role.DIRECTOR],
        writers=[credit for credit in credits if credit.role == Credit.Role.WRITER],
        cast=[credit for credit in credits if credit.role == Credit.Role.CAST],
        crew=[(label, job_credits) for label, job_credits in crew if job_credits],
    )


@dataclass(frozen=True)
class FilmSourceDetails:
    keywords: list[Keyword]
    releases: list[FilmRelease]  # one per country: its earliest theatrical (else earliest) release
    critic_scores: list[CriticScore]


def film_source_details(*, film: Film) -> FilmSourceDetails:
    """Keywords and releases from TMDb, critics' scores from OMDb: no query for a source never synced."""
    keywords, releases, scores = [], [], []
    if film.tmdb_synced_at is not None:
        keywords = list(Keyword.objects.filter(films=film).only("id", "name").order_by("name")[:30])
        by_country: dict[str, FilmRelease] = {}
        rows = FilmRelease.objects.filter(film=film).order_by("country", "release_date", "id")
        for release in rows:
            best = by_country.get(release.country)
            theatrical = release.kind in {FilmRelease.Kind.THEATRICAL, FilmRelease.Kind.THEATRICAL_LIMITED}
            if best is None or (
                theatrical and best.kind not in {FilmRelease.Kind.THEATRICAL, FilmRelease.Kind.THEATRICAL_LIMITED}
            ):
                by_country[release.country] = release
        releases = list(by_country.values())
    if film.omdb_synced_at is not None:
        scores = list(CriticScore.objects.filter(film=film).order_by("source"))
    return FilmSourceDetails(keywords=keywords, releases=releases, critic_scores=scores)


@dataclass(frozen=True)
class FilmographySection:
    role: str
    label: str
    credits: list[Credit]

    @property
    def key(self) -> str:
        """The section's name in the URL (``?section=cast&page=2``): its role, or its crew job."""
        return f"crew-{slugify(self.label)}" if self.role == Credit.Role.CREW else self.role


def person_filmography(*, person: Person) -> list[FilmographySection]:
    """The person's credits grouped by role (directing, writing, acting), each sorted by year."""
    credits = list(
        Credit.objects.filter(person=person)
        .select_related("film__poster")
        .only(
            "id",
            "role",
            "job",
            "character",
            "film_id",
            *(f"film__{field}" for field in FILM_CARD_FIELDS),
            *(f"film__poster__{field}" for field in POSTER_FIELDS),
        )
        .order_by(F("film__year").asc(nulls_last=True), "film__title", "id")
    )
    labels = {Credit.Role.DIRECTOR: "Director", Credit.Role.WRITER: "Writer", Credit.Role.CAST: "Actor"}
    sections = []
    for role, label in labels.items():
        role_credits = [credit for credit in credits if credit.role == role]
        if role_credits:
            sections.append(FilmographySection(role=role, label=label, credits=role_credits))
    # Crew by job: the jobs the film page names first, then the rest alphabetically.
    jobs = sorted(
        {credit.job for credit in credits if credit.role == Credit.Role.CREW},
        key=lambda job: (list(KEY_CREW_JOBS).index(job) if job in KEY_CREW_JOBS else len(KEY_CREW_JOBS), job),
    )
    for job in jobs:
        job_credits = [credit for credit in credits if credit.role == Credit.Role.CREW and credit.job == job]
        sections.append(FilmographySection(role=Credit.Role.CREW, label=job, credits=job_credits))
    return sections


@dataclass(frozen=True)
class SearchResults:
    query: str
    films: list[Film]
    people: list[Person]
    # True when nothing found holds every word of the query (typos allowed): the results are only near
    # misses, and the page says there is no film of that name rather than offering Toy Story for Tokyo Story.
    weak: bool = False

    def __bool__(self) -> bool:
        return bool(self.films or self.people)


def catalog_search(*, query: str, film_limit: int = 8, person_limit: int = 5) -> SearchResults:
    """Films and people whose title (or one of a film's alternative titles) or name resembles `query`,
    typos included.

    pg_trgm's word similarity (the `%>` operator, served by the GIN trigram indexes) finds candidates: a
    prefix typed so far or a misspelt word matches inside a longer title. The best few dozen by trigram
    score are then re-ranked by edit distance (catalog.matching), trigram score and popularity; a film
    found by an alternative title ("The Magnificent Seven" for Seven Samurai) ranks by its best title.
    """
    # Control characters (a NUL byte above all: PostgreSQL refuses it in text) are no part of any title.
    query = " ".join("".join(char if char.isprintable() else " " for char in query).split())[:100]
    if len(query) < 2:
        return SearchResults(query=query, films=[], people=[])
    # No savepoint: inside a caller's transaction the setting simply lasts until that one ends.
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            # Transaction-local, so it never leaks into other queries on a persistent connection.
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true),"
                " set_config('pg_trgm.strict_word_similarity_threshold', %s, true)",
                [str(SEARCH_WORD_SIMILARITY_THRESHOLD), str(SEARCH_STRICT_WORD_SIMILARITY_THRESHOLD)],
            )
        films = _film_search(query, limit=film_limit)
        person_candidates = list(
            Person.objects.filter(name__trigram_word_similar=query)
            .annotate(
                trigram=TrigramSimilarity("name", query) + TrigramStrictWordSimilarity(query, "name"),
                credit_count=Count("credits"),
            )
            .only("id", "name")
            .order_by("-trigram", "id")[:SEARCH_CANDIDATES]
        )
        # Among names that match alike, the one with more films comes first: Alfred before Robyn Hitchcock.
        most_credited = max((person.credit_count for person in person_candidates), default=0)
        people = sorted(
            person_candidates,
            key=lambda person: -_search_rank(query, person.name, person.trigram, person.credit_count, most_credited),
        )[:person_limit]
    weak = bool(films or people) and not (
        any(words_all_found(query, title) for film in films for title in _film_forms(film))
        or any(words_all_found(query, person.name) for person in people)
    )
    return SearchResults(query=query, films=films, people=people, weak=weak)


def _film_forms(film: Film) -> list[str]:
    return [text for text, _trigram in getattr(film, "search_forms", [(film.title, 0.0)])]


def _film_search(query: str, *, limit: int) -> list[Film]:
    """Films by display title and by alternative title, re-ranked together.

    A query of several words first looks for titles holding every word (each typo-tolerant): the GIN indexes
    intersect one small set per word, where the whole query's word similarity would match, and score, every
    title holding just one common word ("night": thousands in a large catalogue). Only when no title holds
    every word do the near misses get looked for."""
    words = _search_words(query)
    passes = [words, [query]] if len(words) > 1 else [[query]]
    for terms in passes:
        by_title, forms = _film_candidates(query, terms)
        if forms:
            break
    candidates = list(by_title.values())
    most_rated = max((film.rating_count for film in candidates), default=0)

    def rank(film: Film) -> float:
        return max(
            _search_rank(query, text, trigram, film.rating_count, most_rated) for text, trigram in forms[film.pk]
        )

    films = sorted(candidates, key=lambda film: -rank(film))[:limit]
    for film in films:
        film.search_forms = forms[film.pk]
    prefetch_related_objects(films, Prefetch("poster", queryset=FilmImage.objects.only(*POSTER_FIELDS)))
    return films


def _search_words(query: str) -> list[str]:
    """The words of a query that trigrams can match (two letters or digits at least), each once."""
    return list(dict.fromkeys(word for word in query.split() if sum(char.isalnum() for char in word) >= 2))


def _film_candidates(query: str, terms: list[str]) -> tuple[dict[int, Film], dict[int, list[tuple[str, float]]]]:
    """({id: film}, {id: [(title form, trigram score)]}) for the films whose display title, or one of whose
    alternative titles, is word-similar to every one of ``terms``; the best SEARCH_CANDIDATES of each kind."""
    by_title = {
        film.pk: film
        for film in _best_title_matches(
            Film.objects.only(*FILM_CARD_FIELDS, "rating_count"), query, terms, order=("-rating_count", "id")
        )
    }
    # The display title is itself a form of the title: (text, trigram score) per film, best first.
    forms: dict[int, list[tuple[str, float]]] = {pk: [(film.title, film.trigram)] for pk, film in by_title.items()}
    alternatives = _best_title_matches(
        AlternativeTitle.objects.only("film_id", "title"), query, terms, order=("film_id", "id")
    )
    for alternative in alternatives:
        forms.setdefault(alternative.film_id, []).append((alternative.title, alternative.trigram))
    missing = forms.keys() - by_title.keys()
    if missing:
        by_title.update(Film.objects.only(*FILM_CARD_FIELDS, "rating_count").in_bulk(missing))
    return by_title, forms


def _best_title_matches(queryset: QuerySet, query: str, terms: list[str], *, order: tuple[str, ...]) -> list:
    """The SEARCH_CANDIDATES rows of ``queryset`` (films or alternative titles) with the best trigram score
    for ``query`` (``trigram``: similarity + strict word similarity, 0..2) among those whose title is
    word-similar to every one of ``terms``; ties by ``order``.

    A one-part query first looks only at titles with a whole word resembling it (strict word similarity at
    least SEARCH_STRICT_WORD_SIMILARITY_THRESHOLD): any other title scores under 1.0, its strict word
    similarity and its similarity (never above it) both being under 0.5. So when the narrow look's last
    candidate scores above 1.0, the wide look cannot change the best SEARCH_CANDIDATES and is skipped: "love"
    in 100,000 titles scores the 2,000 holding the word instead of the 9,500 that loosely resemble it.
    """
    scored = queryset.annotate(
        trigram=TrigramSimilarity("title", query) + TrigramStrictWordSimilarity(query, "title")
    ).order_by("-trigram", *order)
    if terms == [query]:
        narrow = list(scored.filter(title__trigram_strict_word_similar=query)[:SEARCH_CANDIDATES])
        if len(narrow) == SEARCH_CANDIDATES and narrow[-1].trigram > 1.0:
            return narrow
    title_matches = Q()
    for term in terms:
        title_matches &= Q(title__trigram_word_similar=term)
    return list(scored.filter(title_matches)[:SEARCH_CANDIDATES])


def _search_rank(query: str, text: str, trigram: float, popularity: int, most_popular: int) -> float:
    # Edit distance decides; trigram score (0..2) and popularity (log scale, 0..1) separate near-ties.
    popular = math.log1p(popularity) / math.log1p(most_popular) if most_popular else 0.0
    return match_score(query, text) + 0.1 * trigram + 0.15 * popular


def film_by_tmdb_id(*, tmdb_id: int) -> Film | None:
    """The film with this TMDb id once its TMDb details are stored, else None."""
    return Film.objects.filter(tmdb_id=tmdb_id, tmdb_synced_at__isnull=False).only("id").first()


# --- where to stream ------------------------------------------------------------------------------------

STREAMING_FILTERS = {"mine": "On my services", "free": "Free to stream"}


def streaming_choices(*, user) -> dict[str, str]:
    """The "streaming" filter's choices for a viewer: "on my services" only for members."""
    choices = dict(STREAMING_FILTERS)
    if user is None or not user.is_authenticated:
        choices.pop("mine")
    return choices


def streaming_choice(*, value: str, user) -> str:
    """A "streaming" filter value from a query string; anything else (or "mine" for a visitor) is ""."""
    return value if value in streaming_choices(user=user) else ""


def country_from_accept_language(header: str) -> str | None:
    """The first country an Accept-Language header names (``en-US,en;q=0.9`` -> US), if it is a real one."""
    for part in (header or "")[:500].split(","):
        tag = part.split(";")[0].strip().replace("_", "-")
        subtags = tag.split("-")
        # Language, then optionally a script (4 letters), then the region (2 letters).
        for subtag in subtags[1:3]:
            if len(subtag) == 2 and subtag.isascii() and subtag.upper() in COUNTRIES:
                return subtag.upper()
    return None


def viewer_country(*, user, accept_language: str = "") -> str:
    """Where a viewer watches: the member's country, else their browser language's, else the site default."""
    if user is not None and user.is_authenticated and user.country in COUNTRIES:
        return user.country
    return country_from_accept_language(accept_language) or settings.STREAMING_DEFAULT_COUNTRY


def member_service_ids(*, user) -> list[int]:
    if user is None or not user.is_authenticated:
        return []
    return list(MemberService.objects.filter(user=user).order_by("provider_id").values_list("provider_id", flat=True))


def streamable(
    *, country: str, provider_ids: Iterable[int] | None = None, free: bool = False, film_ref: str = "pk"
) -> Exists:
    """EXISTS: the film (``film_ref`` in the outer query) streams in ``country`` on one of ``provider_ids``
    (subscription, free or with ads), or, with ``free``, at no cost on any provider. One probe of the
    (film, country, kind, provider) unique index per film."""
    offers = FilmAvailability.objects.filter(film=OuterRef(film_ref), country=country)
    if free:
        offers = offers.filter(kind__in=FREE_KINDS)
    else:
        offers = offers.filter(kind__in=STREAM_KINDS, provider_id__in=list(provider_ids or []))
    return Exists(offers)


def streaming_filter(*, value: str, country: str, provider_ids: Iterable[int], film_ref: str = "pk") -> Exists | None:
    """The condition for a "streaming" choice (STREAMING_FILTERS), or None to filter nothing."""
    if value == "mine":
        return streamable(country=country, provider_ids=provider_ids, film_ref=film_ref)
    if value == "free":
        return streamable(country=country, free=True, film_ref=film_ref)
    return None


class AvailabilityRank:
    """Where a film stands for a viewer, best first (the smart watchlist sorts and groups by it)."""

    ON_SERVICES = 0
    FREE = 1
    RENT_OR_BUY = 2
    NOWHERE = 3
    LABELS = {
        ON_SERVICES: "On your services now",
        FREE: "Free to stream",
        RENT_OR_BUY: "To rent or buy",
        NOWHERE: "Not available",
    }


def availability_rank(*, country: str, provider_ids: Iterable[int], film_ref: str = "pk") -> Coalesce:
    """An AvailabilityRank per row: the best rank among the film's offers in ``country``.

    A correlated MIN over the film's few offers there, one probe of the (film, country, …) index per row.
    EXISTS probes in a CASE let PostgreSQL hash every offer in the country instead (hundreds of thousands in a
    large catalogue) to rank a 500-film watchlist."""
    providers = list(provider_ids)
    ranks = [When(kind__in=FREE_KINDS, then=Value(AvailabilityRank.FREE))]
    if providers:
        ranks.insert(
            0, When(kind__in=STREAM_KINDS, provider_id__in=providers, then=Value(AvailabilityRank.ON_SERVICES))
        )
    ranks.append(When(kind__in=PAY_KINDS, then=Value(AvailabilityRank.RENT_OR_BUY)))
    best = (
        FilmAvailability.objects.filter(film=OuterRef(film_ref), country=country)
        .order_by()
        .values("film")
        .annotate(best=Min(Case(*ranks, output_field=IntegerField())))
        .values("best")
    )
    return Coalesce(Subquery(best), Value(AvailabilityRank.NOWHERE))


def providers_for_country(*, country: str) -> list[WatchProvider]:
    """The providers TMDb lists in a country, most prominent first (what a member chooses among)."""
    return list(
        WatchProvider.objects.filter(regions__country=country).order_by("regions__display_priority", "name", "id")
    )


@dataclass(frozen=True)
class ProviderOffer:
    provider: WatchProvider
    kind: str


@dataclass(frozen=True)
class FilmStreaming:
    country: str
    configured: bool  # a TMDb key is set
    fetched_at: datetime.datetime | None
    link: str  # TMDb's watch page for the film in the country
    yours: list[ProviderOffer]  # streamable on the viewer's services
    by_kind: list[tuple[str, list[WatchProvider]]]  # (label, providers) for the rest, by kind

    @property
    def country_name(self) -> str:
        return COUNTRIES.get(self.country, self.country)

    @property
    def empty(self) -> bool:
        return not self.yours and not self.by_kind


def film_streaming(*, film: Film, country: str, service_ids: Iterable[int], configured: bool) -> FilmStreaming:
    """Where the film streams in ``country``: first on the viewer's services, then the other offers by kind.
    Two queries (the offers with their providers; the link and fetch time)."""
    services = set(service_ids)
    offers = list(
        FilmAvailability.objects.filter(film=film, country=country)
        .select_related("provider")
        .order_by("display_priority", "provider__name", "provider_id")
    )
    meta = (
        Film.objects.filter(pk=film.pk)
        .annotate(
            watch_link=Subquery(
                FilmWatchRegion.objects.filter(film=OuterRef("pk"), country=country).values("link")[:1]
            ),
            providers_fetched_at=F("providers_fetch__fetched_at"),
        )
        .values("watch_link", "providers_fetched_at")
        .first()
        or {}
    )
    yours: list[ProviderOffer] = []
    seen_yours: set[int] = set()
    by_kind: dict[str, list[WatchProvider]] = {kind: [] for kind in Availability.values}
    for offer in offers:
        if offer.provider_id in services and offer.kind in STREAM_KINDS:
            if offer.provider_id not in seen_yours:
                seen_yours.add(offer.provider_id)
                yours.append(ProviderOffer(provider=offer.provider, kind=offer.kind))
            continue
        by_kind[offer.kind].append(offer.provider)
    labels = dict(Availability.choices)
    return FilmStreaming(
        country=country,
        configured=configured,
        fetched_at=meta.get("providers_fetched_at"),
        link=meta.get("watch_link") or "",
        yours=yours,
        by_kind=[(labels[kind], providers) for kind, providers in by_kind.items() if providers],
    )
