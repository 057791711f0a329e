"""Readers for the official MovieLens layouts.

- ML-100K: ``u.item`` (pipe-separated, 19 genre flags, Latin-1), ``u.data`` (tab-separated ratings),
  ``u.genre``.
- ML-1M / ML-10M: ``movies.dat``, ``ratings.dat``, ``tags.dat`` (``::``-separated; ML-1M is ISO-8859-1).
- ml-latest, ml-latest-small, ML-20M/25M/32M: ``movies.csv``, ``ratings.csv``, ``links.csv``, ``tags.csv``.

Text is decoded line by line as UTF-8, falling back to Latin-1, so every release decodes whatever its
encoding. Ratings are read as bytes and never decoded: they are the bulk of the work.

Note: ML-100K numbers its films differently from every later release; do not mix it with them.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cineaesthete.progress import Progress, no_progress

from ..titles import Title, parse_movielens_title
from .errors import IngestError
from .source import DataSource

GENRE_NAMES = {"Children's": "Children", "Childrens": "Children"}
NO_GENRE = {"", "unknown", "(no genres listed)"}
# u.item's genre flags, in order (u.genre lists them too; used when it is missing).
ML_100K_GENRES = [
    *("unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama"),
    *("Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"),
]

# Every accepted spelling of a rating → the canonical text PostgreSQL receives.
_HALF_STEPS = [n / 2 for n in range(1, 11)]
RATING_TEXT: dict[bytes, str] = {}
for _stars in _HALF_STEPS:
    for _spelling in {f"{_stars:g}", f"{_stars:.1f}", f"{_stars:.2f}", f"{_stars:.1f}".lstrip("0")}:
        RATING_TEXT[_spelling.encode()] = f"{_stars:.1f}"

PROGRESS_EVERY = 50_000


@dataclass(frozen=True)
class Layout:
    name: str  # "ml-100k", "dat" or "csv"
    movies: str
    ratings: str
    links: str | None
    tags: str | None
    genres: str | None = None


@dataclass(frozen=True)
class Movie:
    movielens_id: int
    title: Title
    genres: tuple[str, ...]
    release_date: dt.date | None = None


@dataclass(frozen=True)
class Link:
    movielens_id: int
    imdb_id: str | None
    tmdb_id: int | None


def detect_layout(source: DataSource) -> Layout:
    if source.has("u.item") and source.has("u.data"):
        return Layout("ml-100k", "u.item", "u.data", None, None, "u.genre" if source.has("u.genre") else None)
    if source.has("movies.dat") and source.has("ratings.dat"):
        return Layout("dat", "movies.dat", "ratings.dat", None, "tags.dat" if source.has("tags.dat") else None)
    if source.has("movies.csv") and source.has("ratings.csv"):
        return Layout(
            "csv",
            "movies.csv",
            "ratings.csv",
            "links.csv" if source.has("links.csv") else None,
            "tags.csv" if source.has("tags.csv") else None,
        )
    raise IngestError(
        "no MovieLens layout found (expected u.item + u.data, movies.dat + ratings.dat, or movies.csv + ratings.csv)",
        file=str(source.location),
    )


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def canonical_genre(name: str) -> str | None:
    name = name.strip()
    if name in NO_GENRE:
        return None
    return GENRE_NAMES.get(name, name)


def _genres(names: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for name in names:
        if genre := canonical_genre(name):
            seen[genre] = None
    return tuple(seen)


def _int(text: str | bytes, what: str, file: str, line: int) -> int:
    try:
        return int(text)
    except ValueError:
        shown = text.decode("latin-1") if isinstance(text, bytes) else text
        raise IngestError(f"{what} {shown!r} is not a whole number", file=file, line=line) from None


def _text_lines(source: DataSource, name: str) -> Iterator[tuple[int, str]]:
    with source.open_binary(name) as stream:
        for number, raw in enumerate(stream, start=1):
            yield number, decode(raw).rstrip("\r\n")


def _csv_rows(source: DataSource, name: str, columns: tuple[str, ...]) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every row of a MovieLens CSV file after its header; rows must have
    ``len(columns)`` fields. The header must start with the first three columns (the ones read)."""
    file = source.label(name)
    reader = csv.reader(line for _, line in _text_lines(source, name))
    header = next(reader, None)
    if header is None or [h.strip() for h in header[:3]] != list(columns[:3]):
        raise IngestError(f"expected the header {','.join(columns)}", file=file, line=1)
    for fields in reader:
        number = reader.line_num
        if not fields:
            continue
        if len(fields) != len(columns):
            raise IngestError(
                f"expected {len(columns)} comma-separated fields, found {len(fields)}", file=file, line=number
            )
        yield number, fields


def read_movies(source: DataSource, layout: Layout) -> Iterator[Movie]:
    file = source.label(layout.movies)
    if layout.name == "ml-100k":
        yield from _read_100k_movies(source, layout, file)
    elif layout.name == "dat":
        for number, line in _text_lines(source, layout.movies):
            if not line.strip():
                continue
            fields = line.split("::")
            if len(fields) != 3:
                raise IngestError(f"expected 3 '::'-separated fields, found {len(fields)}", file=file, line=number)
            movie_id = _int(fields[0], "movie id", file, number)
            yield Movie(movie_id, parse_movielens_title(fields[1]), _genres(fields[2].split("|")))
    else:
        for number, fields in _csv_rows(source, layout.movies, ("movieId", "title", "genres")):
            movie_id = _int(fields[0], "movie id", file, number)
            yield Movie(movie_id, parse_movielens_title(fields[1]), _genres(fields[2].split("|")))


def _read_100k_movies(source: DataSource, layout: Layout, file: str) -> Iterator[Movie]:
    genre_names = list(ML_100K_GENRES)
    if layout.genres:
        listed = {}
        for _, line in _text_lines(source, layout.genres):
            if "|" in line:
                name, index = line.rsplit("|", 1)
                if index.strip().isdigit():
                    listed[int(index)] = name
        if listed:
            genre_names = [listed.get(i, "") for i in range(max(listed) + 1)]
    for number, line in _text_lines(source, layout.movies):
        if not line.strip():
            continue
        fields = line.split("|")
        if len(fields) != 5 + len(genre_names):
            raise IngestError(
                f"expected {5 + len(genre_names)} '|'-separated fields, found {len(fields)}", file=file, line=number
            )
        movie_id = _int(fields[0], "movie id", file, number)
        flags = fields[5:]
        if any(flag not in ("0", "1") for flag in flags):
            raise IngestError("genre flags must be 0 or 1", file=file, line=number)
        release_date = None
        if fields[2].strip():
            try:
                release_date = dt.datetime.strptime(fields[2].strip(), "%d-%b-%Y").date()
            except ValueError:
                raise IngestError(
                    f"release date {fields[2]!r} is not like 01-Jan-1995", file=file, line=number
                ) from None
        title = parse_movielens_title(fields[1])
        if title.year is None and release_date:
            title = dataclasses.replace(title, year=release_date.year)
        genres = _genres(name for name, flag in zip(genre_names, flags, strict=True) if flag == "1")
        yield Movie(movie_id, title, genres, release_date)


def stars_text(raw: bytes, file: str, line: int) -> str:
    """Validate a rating (0.5 to 5 in half steps) and return it as PostgreSQL should read it."""
    text = RATING_TEXT.get(raw)
    if text is not None:
        return text
    try:
        value = float(raw)
    except ValueError:
        raise IngestError(f"rating {raw.decode('latin-1')!r} is not a number", file=file, line=line) from None
    if value * 2 == int(value * 2) and 0.5 <= value <= 5:
        return f"{value:.1f}"
    raise IngestError(
        f"rating {raw.decode('latin-1')} is out of range (0.5 to 5 stars in half steps)", file=file, line=line
    )


def read_ratings(
    source: DataSource, layout: Layout, *, progress: Progress = no_progress
) -> Iterator[tuple[int, int, int, str, int]]:
    """Yield (line number, user id, movie id, stars text, unix timestamp) for every rating; ``progress`` hears
    stage "ratings" in bytes of the file read."""
    file = source.label(layout.ratings)
    total = source.size(layout.ratings)
    if layout.name == "ml-100k":
        separator, first = b"\t", 1
    elif layout.name == "dat":
        separator, first = b"::", 1
    else:
        separator, first = b",", 2
    consumed = 0
    with source.open_binary(layout.ratings) as stream:
        if layout.name == "csv":
            header = stream.readline()
            consumed += len(header)
            if not header.startswith(b"userId,movieId,rating"):
                raise IngestError("expected the header userId,movieId,rating,timestamp", file=file, line=1)
        for number, raw in enumerate(stream, start=first):
            consumed += len(raw)
            fields = raw.rstrip(b"\r\n").split(separator)
            if len(fields) != 4:
                if not raw.strip():
                    continue
                raise IngestError(f"expected 4 fields, found {len(fields)}", file=file, line=number)
            try:
                user_id, movie_id, timestamp = int(fields[0]), int(fields[1]), int(fields[3])
            except ValueError:
                for index, what in ((0, "user id"), (1, "movie id"), (3, "timestamp")):
                    _int(fields[index], what, file, number)
                raise
            yield number, user_id, movie_id, stars_text(fields[2], file, number), timestamp
            if number % PROGRESS_EVERY == 0:
                progress("ratings", consumed, total)
    progress("ratings", total, total)


def read_links(source: DataSource, name: str) -> Iterator[Link]:
    """links.csv: movieId,imdbId,tmdbId (imdbId without "tt"; tmdbId may be empty)."""
    file = source.label(name)
    for number, fields in _csv_rows(source, name, ("movieId", "imdbId", "tmdbId")):
        movie_id = _int(fields[0], "movie id", file, number)
        imdb = fields[1].strip().removeprefix("tt")
        tmdb = fields[2].strip()
        imdb_id = f"tt{_int(imdb, 'IMDb id', file, number):07d}" if imdb else None
        tmdb_id = _int(tmdb, "TMDb id", file, number) if tmdb else None
        yield Link(movie_id, imdb_id, tmdb_id)


def read_tags(source: DataSource, layout: Layout) -> Iterator[tuple[int, int, str]]:
    """Yield (line number, movie id, tag) from tags.csv or tags.dat."""
    assert layout.tags
    file = source.label(layout.tags)
    if layout.name == "dat":
        for number, line in _text_lines(source, layout.tags):
            if not line.strip():
                continue
            fields = line.split("::")
            if len(fields) != 4:
                raise IngestError(f"expected 4 '::'-separated fields, found {len(fields)}", file=file, line=number)
            yield number, _int(fields[1], "movie id", file, number), fields[2]
        return
    for number, fields in _csv_rows(source, layout.tags, ("userId", "movieId", "tag", "timestamp")):
        yield number, _int(fields[1], "movie id", file, number), fields[2]
