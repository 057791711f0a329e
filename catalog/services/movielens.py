"""The film part of a MovieLens import: films, their titles, genres, links and tags.

Ratings and the members who gave them are the reviews app's (``reviews.movielens`` runs the whole import
and calls this first). Runs inside the caller's transaction; re-running it with the same files writes
nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.utils.text import slugify

from cineaesthete.progress import Progress, no_progress

from ..ingest.errors import IngestError
from ..ingest.movielens import Layout, Movie, read_links, read_movies, read_tags
from ..ingest.source import DataSource
from ..models import AlternativeTitle, Film, FilmTag, Genre, Tag
from ..titles import sort_key
from .base import chunks

# The AlternativeTitle sources a MovieLens title yields (catalog.titles.parse_movielens_title); an import
# makes a film's titles from these sources exactly the file's, and leaves titles from other sources alone.
MOVIELENS_TITLE_SOURCES = ("movielens", "parenthesised", "aka")
FILM_FIELDS = ["title", "original_title", "sort_title", "year", "release_date"]


@dataclass
class MovieLensFilmsSummary:
    layout: str = ""
    films: int = 0
    films_created: int = 0
    films_updated: int = 0
    alternative_titles: int = 0
    genres: int = 0
    links: int = 0
    tags: int = 0


def movielens_films_ingest(
    *,
    source: DataSource,
    layout: Layout,
    links_path: Path | None = None,
    summary: MovieLensFilmsSummary,
    progress: Progress = no_progress,
) -> dict[int, int]:
    """Upsert the release's films (matched on movielens_id) with their titles, genres, links and tags;
    return {movielens_id: film id}. Call it inside a transaction: a malformed file raises IngestError."""
    summary.layout = layout.name
    movies = _movies_read(source, layout)
    film_ids = _films_upsert(movies, summary)
    summary.alternative_titles = _alternative_titles_set(movies, film_ids)
    progress("films", len(movies), len(movies))
    summary.genres = _film_genres_set(movies, film_ids)
    if layout.links:
        summary.links += _links_apply(read_links(source, layout.links), film_ids)
    if links_path:
        links_source = DataSource.open(links_path)
        try:
            links_name = links_path.name if links_path.is_file() else "links.csv"
            if not links_source.has(links_name):
                raise IngestError("no links.csv here", file=str(links_path))
            summary.links += _links_apply(read_links(links_source, links_name), film_ids)
        finally:
            links_source.close()
    if layout.tags:
        summary.tags = _tags_import(source, layout, film_ids)
    return film_ids


def _movies_read(source: DataSource, layout: Layout) -> list[Movie]:
    movies: list[Movie] = []
    seen: set[int] = set()
    for movie in read_movies(source, layout):
        if movie.movielens_id in seen:
            raise IngestError(f"movie id {movie.movielens_id} appears twice", file=source.label(layout.movies))
        seen.add(movie.movielens_id)
        movies.append(movie)
    return movies


def _films_upsert(movies: list[Movie], summary: MovieLensFilmsSummary) -> dict[int, int]:
    """Create missing films and update changed ones; return {movielens_id: film id}."""
    existing = {
        film.movielens_id: film
        for film in Film.objects.filter(movielens_id__in=[m.movielens_id for m in movies]).only(
            "id", "movielens_id", *FILM_FIELDS
        )
    }
    created, changed = [], []
    for movie in movies:
        values = {
            "title": movie.title.title,
            "original_title": movie.title.original_title,
            "sort_title": sort_key(movie.title.title),
            "year": movie.title.year,
        }
        if movie.release_date:
            values["release_date"] = movie.release_date
        film = existing.get(movie.movielens_id)
        if film is None:
            created.append(Film(movielens_id=movie.movielens_id, **values))
        elif any(getattr(film, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(film, name, value)
            changed.append(film)
    Film.objects.bulk_create(created, batch_size=1000)
    Film.objects.bulk_update(changed, FILM_FIELDS, batch_size=1000)
    summary.films, summary.films_created, summary.films_updated = len(movies), len(created), len(changed)
    return {film.movielens_id: film.id for film in [*existing.values(), *created]}


def _alternative_titles_set(movies: list[Movie], film_ids: dict[int, int]) -> int:
    """Make each imported film's MovieLens-derived alternative titles exactly the file's; return how many
    the films have."""
    wanted = {
        (film_ids[movie.movielens_id], alternative.source, alternative.title)
        for movie in movies
        for alternative in movie.title.alternatives
    }
    current = {}
    for chunk in chunks(list(film_ids.values()), 10_000):
        current.update(
            {
                (film_id, source, title): pk
                for pk, film_id, source, title in AlternativeTitle.objects.filter(
                    film_id__in=chunk, source__in=MOVIELENS_TITLE_SOURCES
                ).values_list("id", "film_id", "source", "title")
            }
        )
    stale = [pk for key, pk in current.items() if key not in wanted]
    for chunk in chunks(stale, 10_000):
        AlternativeTitle.objects.filter(id__in=chunk).delete()
    AlternativeTitle.objects.bulk_create(
        [
            AlternativeTitle(film_id=film_id, source=source, title=title)
            for film_id, source, title in sorted(wanted - current.keys())
        ],
        batch_size=5000,
    )
    return len(wanted)


def genres_ensure(names: Iterable[str]) -> dict[str, int]:
    """Genre ids by name, creating the missing genres."""
    wanted = set(names)
    known = dict(Genre.objects.filter(name__in=wanted).values_list("name", "id"))
    missing = [Genre(name=name, slug=slugify(name) or name.lower()) for name in sorted(wanted - known.keys())]
    Genre.objects.bulk_create(missing, ignore_conflicts=True)
    return dict(Genre.objects.filter(name__in=wanted).values_list("name", "id"))


def _film_genres_set(movies: list[Movie], film_ids: dict[int, int]) -> int:
    """Make each imported film's genres exactly the data set's; return the number of genres involved."""
    genre_ids = genres_ensure(name for movie in movies for name in movie.genres)
    wanted = {(film_ids[m.movielens_id], genre_ids[name]) for m in movies for name in m.genres}
    through = Film.genres.through
    current = {
        (film_id, genre_id): pk
        for pk, film_id, genre_id in through.objects.filter(film_id__in=film_ids.values()).values_list(
            "id", "film_id", "genre_id"
        )
    }
    stale = [pk for pair, pk in current.items() if pair not in wanted]
    if stale:
        through.objects.filter(id__in=stale).delete()
    through.objects.bulk_create(
        [through(film_id=film_id, genre_id=genre_id) for film_id, genre_id in wanted - current.keys()],
        batch_size=5000,
    )
    return len(genre_ids)


def _links_apply(links: Iterable, film_ids: dict[int, int]) -> int:
    """Set imdb_id/tmdb_id of the imported films; return how many films have links.

    An id already used by another film (links.csv maps a few TMDb ids to two MovieLens films) is skipped:
    the first film keeps it."""
    wanted: dict[int, tuple[str | None, int | None]] = {}
    for link in links:
        if link.movielens_id in film_ids:
            wanted[film_ids[link.movielens_id]] = (link.imdb_id, link.tmdb_id)
    if not wanted:
        return 0
    films = list(Film.objects.filter(id__in=wanted).only("id", "imdb_id", "tmdb_id").order_by("movielens_id"))
    imdb_owner = dict(Film.objects.filter(imdb_id__isnull=False).values_list("imdb_id", "id"))
    tmdb_owner = dict(Film.objects.filter(tmdb_id__isnull=False).values_list("tmdb_id", "id"))
    changed = []
    for film in films:
        imdb_id, tmdb_id = wanted[film.id]
        before = (film.imdb_id, film.tmdb_id)
        if imdb_id and imdb_owner.setdefault(imdb_id, film.id) == film.id:
            film.imdb_id = imdb_id
        if tmdb_id and tmdb_owner.setdefault(tmdb_id, film.id) == film.id:
            film.tmdb_id = tmdb_id
        if (film.imdb_id, film.tmdb_id) != before:
            changed.append(film)
    Film.objects.bulk_update(changed, ["imdb_id", "tmdb_id"], batch_size=1000)
    return len(wanted)


def tag_name(text: str) -> str:
    return " ".join(text.split()).lower()[:100]


def _tags_import(source: DataSource, layout: Layout, film_ids: dict[int, int]) -> int:
    """Count each tag per film (MovieLens stores one row per member and tag) and store the counts."""
    file = source.label(layout.tags)
    counts: Counter[tuple[int, str]] = Counter()
    for number, movie_id, text in read_tags(source, layout):
        film_id = film_ids.get(movie_id)
        if film_id is None:
            raise IngestError(f"movie id {movie_id} is not in the movies file", file=file, line=number)
        if name := tag_name(text):
            counts[film_id, name] += 1
    names = {name for _, name in counts}
    Tag.objects.bulk_create([Tag(name=name) for name in sorted(names)], ignore_conflicts=True, batch_size=5000)
    tag_ids = {}
    for chunk in chunks(sorted(names), 10_000):
        tag_ids.update(Tag.objects.filter(name__in=chunk).values_list("name", "id"))
    FilmTag.objects.bulk_create(
        [FilmTag(film_id=film_id, tag_id=tag_ids[name], count=n) for (film_id, name), n in counts.items()],
        update_conflicts=True,
        unique_fields=["film", "tag"],
        update_fields=["count"],
        batch_size=5000,
    )
    return len(counts)
