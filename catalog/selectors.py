"""Reads for the catalogue pages: browsing, film and person pages, the home page, search."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.contrib.postgres.search import TrigramSimilarity, TrigramStrictWordSimilarity
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from .matching import match_score, words_all_found
from .models import AlternativeTitle, Credit, Film, FilmImage, Genre, Person, StaffPick, StaffPickList

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
# Below this many ratings a mean says little; such films rank after the rest when sorting by rating.
RATING_SORT_MIN_COUNT = 50

GENRES_CACHE_KEY = "catalog:browse-choices:v2"
GENRES_CACHE_SECONDS = 600

# word_similarity(query, title) threshold for search. pg_trgm's default (0.6) misses one-letter
# transpositions in short titles ("alein" scores 0.33 against "Alien").
SEARCH_WORD_SIMILARITY_THRESHOLD = 0.3
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
) -> QuerySet[Film]:
    """Browse: filter by genre, decade and the registered filters ({name: chosen value}), then sort."""
    films = film_cards()
    for name, value in (filters or {}).items():
        if value:
            films = films.filter(pk__in=_BROWSE_FILTERS[name].film_ids(value))
    if genre_slug:
        films = films.filter(genres__slug=genre_slug)
    if decade is not None:
        films = films.filter(year__gte=decade, year__lt=decade + 10)
    if sort == "rating":
        well_rated = Case(When(rating_count__gte=RATING_SORT_MIN_COUNT, then=Value(1)), default=Value(0))
        # A film under a rating brigade ranks by its manipulation-resistant mean (set only while it is flagged).
        shown_mean = Coalesce("rating_robust_mean", "rating_mean")
        return films.annotate(well_rated=well_rated, shown_mean=shown_mean).order_by(
            "-well_rated", F("shown_mean").desc(nulls_last=True), "-rating_count", "id"
        )
    if sort == "newest":
        return films.order_by(F("year").desc(nulls_last=True), "sort_title", "id")
    if sort == "oldest":
        return films.order_by(F("year").asc(nulls_last=True), "sort_title", "id")
    if sort == "title":
        return films.order_by("sort_title", "id")
    return films.order_by("-rating_count", "id")


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


@dataclass(frozen=True)
class FilmCredits:
    directors: list[Credit]
    writers: list[Credit]
    cast: list[Credit]


GRID_ROW = 6  # card grids have 2, 3, 4 or 6 columns (static/css/site.css)


def whole_rows(items: list, *, row: int = GRID_ROW) -> list:
    """A selection of cards trimmed to whole rows of ``row`` (when there is at least one row): a multiple of 6
    ends every 2-, 3- and 6-column grid on a full row and a 4-column one on two cards, never on a lonely card."""
    return items if len(items) < row else items[: len(items) // row * row]


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
        .select_related("person")
        .only("id", "role", "character", "order", "person__id", "person__name")
        .order_by("role", "order", "id")
    )
    return FilmCredits(
        directors=[credit for credit in credits if credit.role == Credit.Role.DIRECTOR],
        writers=[credit for credit in credits if credit.role == Credit.Role.WRITER],
        cast=[credit for credit in credits if credit.role == Credit.Role.CAST],
    )


@dataclass(frozen=True)
class FilmographySection:
    role: str
    label: str
    credits: list[Credit]


def person_filmography(*, person: Person) -> list[FilmographySection]:
    """The person's credits grouped by role (directing, writing, acting), each sorted by year."""
    credits = list(
        Credit.objects.filter(person=person)
        .select_related("film__poster")
        .only(
            "id",
            "role",
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
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
                [str(SEARCH_WORD_SIMILARITY_THRESHOLD)],
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
    """Films by display title and by alternative title (two candidate queries), re-ranked together."""
    by_title = {
        film.pk: film
        for film in Film.objects.filter(title__trigram_word_similar=query)
        .annotate(trigram=TrigramSimilarity("title", query) + TrigramStrictWordSimilarity(query, "title"))
        .only(*FILM_CARD_FIELDS, "rating_count")
        .order_by("-trigram", "-rating_count", "id")[:SEARCH_CANDIDATES]
    }
    # The display title is itself a form of the title: (text, trigram score) per film, best first.
    forms: dict[int, list[tuple[str, float]]] = {pk: [(film.title, film.trigram)] for pk, film in by_title.items()}
    alternatives = (
        AlternativeTitle.objects.filter(title__trigram_word_similar=query)
        .annotate(trigram=TrigramSimilarity("title", query) + TrigramStrictWordSimilarity(query, "title"))
        .order_by("-trigram", "film_id", "id")
        .values_list("film_id", "title", "trigram")[:SEARCH_CANDIDATES]
    )
    for film_id, title, trigram in alternatives:
        forms.setdefault(film_id, []).append((title, trigram))
    missing = forms.keys() - by_title.keys()
    if missing:
        by_title.update(Film.objects.only(*FILM_CARD_FIELDS, "rating_count").in_bulk(missing))
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


def _search_rank(query: str, text: str, trigram: float, popularity: int, most_popular: int) -> float:
    # Edit distance decides; trigram score (0..2) and popularity (log scale, 0..1) separate near-ties.
    popular = math.log1p(popularity) / math.log1p(most_popular) if most_popular else 0.0
    return match_score(query, text) + 0.1 * trigram + 0.15 * popular
