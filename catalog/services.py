"""Writes to the catalogue: data set ingestion and the denormalised rating statistics.

Every ingestion runs in one transaction: a malformed file raises ``IngestError`` (naming file and line) and
leaves the database as it was. Re-running an ingestion with the same files writes the same rows.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils.text import slugify

from accounts.models import User

from .ingest.errors import IngestError
from .ingest.images import IMAGE_EXTENSIONS, InvalidImage, check_image, external_id_from_name
from .ingest.metadata import FilmMetadata, read_metadata
from .ingest.movielens import Layout, Movie, detect_layout, read_links, read_movies, read_ratings, read_tags
from .ingest.source import DataSource
from .ingest.titles import name_key
from .models import Credit, Film, FilmImage, FilmTag, Genre, Person, Tag, film_image_path

# (stage, done, total): commands draw a progress bar from it; jobs report it.
Progress = Callable[[str, int, int], None]

MOVIELENS = "movielens"
COPY_CHUNK = 1 << 20
# Above this many ratings, mostly new, the import rebuilds the rating table's keys and indexes (_bulk_load).
BULK_LOAD_MIN_ROWS = 100_000


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


# --- Rating statistics ----------------------------------------------------------------------------------


def film_stats_refresh(*, film_ids: Iterable[int] | None = None) -> int:
    """Recompute Film.rating_count and rating_mean (over ratings with stars) in one UPDATE; return rows changed.

    With ``film_ids``, only those films; without, every film."""
    from reviews.models import Rating

    ids = None if film_ids is None else list(film_ids)
    if ids is not None and not ids:
        return 0
    film_table, rating_table = Film._meta.db_table, Rating._meta.db_table
    only = "AND f.id = ANY(%s)" if ids is not None else ""
    inner_only = "AND film_id = ANY(%s)" if ids is not None else ""
    sql = f"""
        UPDATE {film_table} f
           SET rating_count = COALESCE(s.n, 0), rating_mean = s.mean
          FROM {film_table} f2
          LEFT JOIN (
                SELECT film_id, count(*) AS n, avg(stars)::float8 AS mean
                  FROM {rating_table}
                 WHERE stars IS NOT NULL AND NOT is_private {inner_only}
                 GROUP BY film_id
          ) s ON s.film_id = f2.id
         WHERE f.id = f2.id {only}
           AND (f.rating_count IS DISTINCT FROM COALESCE(s.n, 0) OR f.rating_mean IS DISTINCT FROM s.mean)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids, ids] if ids is not None else [])
        return cursor.rowcount


# --- MovieLens ------------------------------------------------------------------------------------------


@dataclass
class MovieLensSummary:
    layout: str = ""
    films: int = 0
    films_created: int = 0
    films_updated: int = 0
    genres: int = 0
    links: int = 0
    tags: int = 0
    members_created: int = 0
    members: int = 0
    ratings_read: int = 0
    ratings_written: int = 0
    seconds: float = 0.0


def movielens_ingest(
    *,
    location: Path,
    links_path: Path | None = None,
    with_ratings: bool = True,
    progress: Progress = _no_progress,
) -> MovieLensSummary:
    """Import a MovieLens release (directory or zip): films, genres, links, tags and ratings.

    Films are matched on movielens_id; raters become imported members (username ``ml-<id>``, no usable
    password); ratings are upserted on (member, film)."""
    started = time.monotonic()
    summary = MovieLensSummary()
    source = DataSource.open(location)
    links_source = DataSource.open(links_path) if links_path else None
    try:
        layout = detect_layout(source)
        summary.layout = layout.name
        movies = _movies_read(source, layout)
        with transaction.atomic():
            film_ids = _films_upsert(movies, summary)
            progress("films", len(movies), len(movies))
            summary.genres = _film_genres_set(movies, film_ids)
            if layout.links:
                summary.links += _links_apply(read_links(source, layout.links), film_ids)
            if links_source:
                links_name = links_path.name if links_path.is_file() else "links.csv"
                if not links_source.has(links_name):
                    raise IngestError("no links.csv here", file=str(links_path))
                summary.links += _links_apply(read_links(links_source, links_name), film_ids)
            if layout.tags:
                summary.tags = _tags_import(source, layout, film_ids)
            if with_ratings:
                _ratings_import(source, layout, film_ids, summary, progress)
                film_stats_refresh(film_ids=film_ids.values())
    finally:
        source.close()
        if links_source:
            links_source.close()
    summary.seconds = time.monotonic() - started
    return summary


def _movies_read(source: DataSource, layout: Layout) -> list[Movie]:
    movies: list[Movie] = []
    seen: set[int] = set()
    for movie in read_movies(source, layout):
        if movie.movielens_id in seen:
            raise IngestError(f"movie id {movie.movielens_id} appears twice", file=source.label(layout.movies))
        seen.add(movie.movielens_id)
        movies.append(movie)
    return movies


def _films_upsert(movies: list[Movie], summary: MovieLensSummary) -> dict[int, int]:
    """Create missing films and update changed ones; return {movielens_id: film id}."""
    existing = {
        film.movielens_id: film
        for film in Film.objects.filter(movielens_id__in=[m.movielens_id for m in movies]).only(
            "id", "movielens_id", "title", "original_title", "year", "release_date"
        )
    }
    created, changed = [], []
    for movie in movies:
        values = {
            "title": movie.title.title,
            "original_title": movie.title.original_title,
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
    Film.objects.bulk_update(changed, ["title", "original_title", "year", "release_date"], batch_size=1000)
    summary.films, summary.films_created, summary.films_updated = len(movies), len(created), len(changed)
    return {film.movielens_id: film.id for film in [*existing.values(), *created]}


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
    for chunk in _chunks(sorted(names), 10_000):
        tag_ids.update(Tag.objects.filter(name__in=chunk).values_list("name", "id"))
    FilmTag.objects.bulk_create(
        [FilmTag(film_id=film_id, tag_id=tag_ids[name], count=n) for (film_id, name), n in counts.items()],
        update_conflicts=True,
        unique_fields=["film", "tag"],
        update_fields=["count"],
        batch_size=5000,
    )
    return len(counts)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ratings_import(
    source: DataSource,
    layout: Layout,
    film_ids: dict[int, int],
    summary: MovieLensSummary,
    progress: Progress,
) -> None:
    """Stream the ratings file into a temporary table with COPY (validating every line on the way), then
    create the missing members and upsert all ratings with one INSERT … SELECT … ON CONFLICT."""
    from reviews.models import Rating

    file = source.label(layout.ratings)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS ml_rating_import")
        cursor.execute(
            "CREATE TEMPORARY TABLE ml_rating_import"
            " (ml_user integer NOT NULL, film_id bigint NOT NULL, stars numeric(2,1) NOT NULL, ts bigint NOT NULL)"
            " ON COMMIT DROP"
        )
        ml_users: set[int] = set()
        read = 0
        buffer: list[str] = []
        size = 0

        def report(done: int, total: int) -> None:
            progress("ratings", done, total)

        with cursor.cursor.copy("COPY ml_rating_import (ml_user, film_id, stars, ts) FROM STDIN") as copy:
            for number, user_id, movie_id, stars, timestamp in read_ratings(source, layout, progress=report):
                film_id = film_ids.get(movie_id)
                if film_id is None:
                    raise IngestError(f"movie id {movie_id} is not in the movies file", file=file, line=number)
                if user_id <= 0:
                    raise IngestError(f"user id {user_id} is not positive", file=file, line=number)
                ml_users.add(user_id)
                row = f"{user_id}\t{film_id}\t{stars}\t{timestamp}\n"
                buffer.append(row)
                size += len(row)
                read += 1
                if size >= COPY_CHUNK:
                    copy.write("".join(buffer))
                    buffer.clear()
                    size = 0
            if buffer:
                copy.write("".join(buffer))
        summary.ratings_read = read
        summary.members = len(ml_users)

        progress("members", 0, len(ml_users))
        summary.members_created = _members_ensure(ml_users)
        progress("members", len(ml_users), len(ml_users))

        progress("saving ratings", 0, 1)
        cursor.execute(
            "CREATE TEMPORARY TABLE ml_member_map ON COMMIT DROP AS"
            f" SELECT external_id::integer AS ml_user, id AS user_id FROM {User._meta.db_table}"
            " WHERE imported_from = %s",
            [MOVIELENS],
        )
        rating_table = Rating._meta.db_table
        cursor.execute("SET LOCAL work_mem = '256MB'")  # the DISTINCT ON sort stays in memory
        cursor.execute(f"SELECT count(*) FROM {rating_table} WHERE user_id IN (SELECT user_id FROM ml_member_map)")
        already = cursor.fetchone()[0]
        bulk = read >= BULK_LOAD_MIN_ROWS and already < read // 2
        with _bulk_load(cursor, rating_table, enabled=bulk):
            # DISTINCT ON keeps a member's latest rating when a file rates a film twice (ON CONFLICT may not
            # touch a row twice); the WHERE skips rows that would not change, so a re-run writes nothing.
            cursor.execute(
                f"""
                INSERT INTO {rating_table} (user_id, film_id, stars, liked, created_at, updated_at)
                SELECT DISTINCT ON (m.user_id, r.film_id)
                       m.user_id, r.film_id, r.stars, false, to_timestamp(r.ts), to_timestamp(r.ts)
                  FROM ml_rating_import r JOIN ml_member_map m USING (ml_user)
                 ORDER BY m.user_id, r.film_id, r.ts DESC
                ON CONFLICT (user_id, film_id) DO UPDATE
                   SET stars = EXCLUDED.stars, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at
                 WHERE ({rating_table}.stars, {rating_table}.created_at, {rating_table}.updated_at)
                       IS DISTINCT FROM (EXCLUDED.stars, EXCLUDED.created_at, EXCLUDED.updated_at)
                """
            )
            summary.ratings_written = cursor.rowcount
        cursor.execute("DROP TABLE ml_rating_import")
        cursor.execute("DROP TABLE ml_member_map")
        progress("saving ratings", 1, 1)


@contextmanager
def _bulk_load(cursor, table: str, *, enabled: bool):
    """For a large first import: drop ``table``'s foreign keys and non-unique indexes, and recreate them
    (exactly as they were) once the rows are in, as PostgreSQL's "Populating a Database" advises: one
    validation query per key instead of a trigger per row, one index build instead of a million inserts.

    It runs inside the import's transaction, so a failure restores everything; but the table (and the
    tables its keys reference) are locked until the import commits."""
    if not enabled:
        yield
        return
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
        " WHERE indrelid = %s::regclass AND NOT indisunique AND NOT indisprimary",
        [table],
    )
    indexes = cursor.fetchall()
    quoted = connection.ops.quote_name(table)
    # Checks still deferred from the films and genres just written must run before their tables' triggers
    # can be altered.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for name, _ in foreign_keys:
        cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    yield
    for _, definition in indexes:
        cursor.execute(definition)
    for name, definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")


def _members_ensure(ml_users: set[int]) -> int:
    """Create the imported members (no usable password) that do not exist yet; return how many."""
    known = {
        int(external_id)
        for external_id in User.objects.filter(imported_from=MOVIELENS).values_list("external_id", flat=True)
    }
    missing = sorted(ml_users - known)
    if not missing:
        return 0
    usernames = {f"ml-{user_id}" for user_id in missing}
    taken = sorted(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    if taken:
        raise IngestError(f"usernames already taken by other accounts: {', '.join(taken[:5])}")
    unusable = make_password(None)  # "!…": never matches any password
    User.objects.bulk_create(
        [
            User(
                username=f"ml-{user_id}",
                password=unusable,
                is_active=True,
                display_name=f"MovieLens member {user_id}",
                imported_from=MOVIELENS,
                external_id=str(user_id),
            )
            for user_id in missing
        ],
        batch_size=2000,
    )
    return len(missing)


# --- Film metadata (MeLU) -----------------------------------------------------------------------------


@dataclass
class MetadataSummary:
    lines: int = 0
    films: int = 0
    films_updated: int = 0
    not_in_catalogue: int = 0
    people_created: int = 0
    credits: int = 0
    seconds: float = 0.0


def film_metadata_ingest(*, path: Path, progress: Progress = _no_progress) -> MetadataSummary:
    """Plots, certificates, release dates and credits from a MeLU metadata file, matched on movielens_id.

    People are deduplicated on ``name_key``; each film's director, writer and cast credits become exactly the
    file's (in billing order), so a re-run changes nothing."""
    started = time.monotonic()
    summary = MetadataSummary()
    source = DataSource.open(path)
    try:
        records: dict[int, FilmMetadata] = {}
        for record in read_metadata(source, path.name):
            summary.lines += 1
            records[record.movielens_id] = record
    finally:
        source.close()
    progress("reading", summary.lines, summary.lines)

    with transaction.atomic():
        films = list(
            Film.objects.filter(movielens_id__in=records).only(
                "id", "movielens_id", "plot", "certificate", "release_date", "runtime_minutes"
            )
        )
        summary.films = len(films)
        summary.not_in_catalogue = len(records) - len(films)
        changed = []
        for film in films:
            record = records[film.movielens_id]
            values = {"plot": record.plot, "certificate": record.certificate, "release_date": record.release_date}
            if record.runtime_minutes:
                values["runtime_minutes"] = record.runtime_minutes
            # Unknown values ("N/A") never erase what the catalogue already knows.
            values = {name: value for name, value in values.items() if value}
            if any(getattr(film, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(film, name, value)
                changed.append(film)
        Film.objects.bulk_update(changed, ["plot", "certificate", "release_date", "runtime_minutes"], batch_size=500)
        summary.films_updated = len(changed)
        progress("films", len(films), len(films))

        film_records = [(film.id, records[film.movielens_id]) for film in films]
        people = people_ensure(
            name.name for _, record in film_records for name in [*record.directors, *record.writers, *record.actors]
        )
        summary.people_created = people.created
        summary.credits = _credits_set(film_records, people.ids)
        progress("credits", summary.credits, summary.credits)
    summary.seconds = time.monotonic() - started
    return summary


@dataclass
class People:
    ids: dict[str, int]  # name_key → person id
    created: int


def people_ensure(names: Iterable[str]) -> People:
    """Person ids by name key, creating people not met before (the first spelling seen names them)."""
    by_key: dict[str, str] = {}
    for name in names:
        key = name_key(name)
        if key:
            by_key.setdefault(key, name[:200])
    ids: dict[str, int] = {}
    keys = sorted(by_key)
    for chunk in _chunks(keys, 10_000):
        ids.update(Person.objects.filter(name_key__in=chunk).values_list("name_key", "id"))
    missing = [Person(name=by_key[key], name_key=key) for key in keys if key not in ids]
    Person.objects.bulk_create(missing, ignore_conflicts=True, batch_size=2000)
    for chunk in _chunks([person.name_key for person in missing], 10_000):
        ids.update(Person.objects.filter(name_key__in=chunk).values_list("name_key", "id"))
    return People(ids=ids, created=len(missing))


def _credits_set(film_records: list[tuple[int, FilmMetadata]], person_ids: dict[str, int]) -> int:
    """Replace the imported films' credits by the file's; a writer's or director's note ("screenplay",
    "co-director") goes in ``character``, which for cast would hold the part played."""
    wanted: dict[tuple[int, int, str], tuple[int, str]] = {}
    for film_id, record in film_records:
        for role, names in (
            (Credit.Role.DIRECTOR, record.directors),
            (Credit.Role.WRITER, record.writers),
            (Credit.Role.CAST, record.actors),
        ):
            order = 0
            for name in names:
                person_id = person_ids.get(name_key(name.name))
                if person_id is None or (film_id, person_id, role) in wanted:
                    continue
                wanted[film_id, person_id, role] = (order, name.note[:200])
                order += 1
    film_ids = [film_id for film_id, _ in film_records]
    current = {
        (film_id, person_id, role): (pk, order, character)
        for pk, film_id, person_id, role, order, character in Credit.objects.filter(film_id__in=film_ids).values_list(
            "id", "film_id", "person_id", "role", "order", "character"
        )
    }
    stale = [pk for key, (pk, _, _) in current.items() if key not in wanted]
    for chunk in _chunks(stale, 10_000):
        Credit.objects.filter(id__in=chunk).delete()
    upserts = [
        Credit(film_id=film_id, person_id=person_id, role=role, order=order, character=character)
        for (film_id, person_id, role), (order, character) in wanted.items()
        if current.get((film_id, person_id, role), (None,))[1:] != (order, character)
    ]
    Credit.objects.bulk_create(
        upserts,
        update_conflicts=True,
        unique_fields=["film", "person", "role"],
        update_fields=["order", "character"],
        batch_size=2000,
    )
    return len(wanted)


# --- Images ----------------------------------------------------------------------------------------------


IMAGE_KEYS = {"movielens": "movielens_id", "imdb": "imdb_id", "tmdb": "tmdb_id"}


@dataclass
class ImagesSummary:
    files: int = 0
    stored: int = 0
    duplicates: int = 0
    no_film: int = 0
    posters_set: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def film_images_ingest(
    *,
    directory: Path,
    key: str,
    kind: str,
    limit: int | None = None,
    progress: Progress = _no_progress,
) -> ImagesSummary:
    """Store the images of ``directory`` (named by the films' ``key`` ids) as FilmImages of ``kind``.

    Each file must decode and respect IMAGE_MAX_PIXELS / IMAGE_MAX_SIDE; bad files are reported in the
    summary and skipped. Files are stored once by content hash; an image a film already has is skipped.
    A film without a poster gets the first poster stored for it."""
    if key not in IMAGE_KEYS:
        raise IngestError(f"unknown key {key!r} (use one of {', '.join(IMAGE_KEYS)})")
    if kind not in FilmImage.Kind.values:
        raise IngestError(f"unknown kind {kind!r} (use one of {', '.join(FilmImage.Kind.values)})")
    if not directory.is_dir():
        raise IngestError("not a directory", file=str(directory))
    started = time.monotonic()
    summary = ImagesSummary()
    max_pixels = getattr(settings, "IMAGE_MAX_PIXELS", 50_000_000)
    max_side = getattr(settings, "IMAGE_MAX_SIDE", 20_000)

    files = sorted(
        (path for path in directory.iterdir() if path.suffix.lower() in IMAGE_EXTENSIONS and path.is_file()),
        key=lambda path: (len(path.stem), path.name),
    )
    if limit is not None:
        files = files[:limit]
    summary.files = len(files)
    wanted_ids = {path: external_id_from_name(path, key=key) for path in files}
    field_name = IMAGE_KEYS[key]
    film_by_external = dict(
        Film.objects.filter(**{f"{field_name}__in": {v for v in wanted_ids.values() if v is not None}}).values_list(
            field_name, "id"
        )
    )
    known = set(FilmImage.objects.filter(film_id__in=film_by_external.values()).values_list("film_id", "content_hash"))
    new_images: list[FilmImage] = []
    for done, path in enumerate(files, start=1):
        film_id = film_by_external.get(wanted_ids[path])
        if film_id is None:
            summary.no_film += 1
        else:
            try:
                checked = check_image(path.read_bytes(), max_pixels=max_pixels, max_side=max_side)
            except (InvalidImage, OSError) as error:
                summary.rejected.append((str(path), str(error)))
            else:
                if (film_id, checked.content_hash) in known:
                    summary.duplicates += 1
                else:
                    known.add((film_id, checked.content_hash))
                    new_images.append(_image_store(film_id=film_id, kind=kind, checked=checked, source=str(path)))
        if done % 200 == 0 or done == len(files):
            progress("images", done, len(files))

    with transaction.atomic():
        FilmImage.objects.bulk_create(new_images, batch_size=1000)
        summary.stored = len(new_images)
        if kind == FilmImage.Kind.POSTER:
            summary.posters_set = posters_fill(film_ids={image.film_id for image in new_images})
    summary.seconds = time.monotonic() - started
    return summary


def _image_store(*, film_id: int, kind: str, checked, source: str) -> FilmImage:
    """Write the bytes under MEDIA_ROOT (once per content hash) and return the unsaved FilmImage."""
    image = FilmImage(
        film_id=film_id,
        kind=kind,
        content_hash=checked.content_hash,
        width=checked.width,
        height=checked.height,
        source=source[:300],
    )
    name = film_image_path(image, f"image.{checked.extension}")
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(checked.content))
    image.file.name = name
    return image


def posters_fill(*, film_ids: Iterable[int] | None = None) -> int:
    """Give films without a poster their first poster image; return how many films got one."""
    ids = None if film_ids is None else list(film_ids)
    if ids is not None and not ids:
        return 0
    film_table, image_table = Film._meta.db_table, FilmImage._meta.db_table
    only = "AND f.id = ANY(%s)" if ids is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {film_table} f SET poster_id = first.id
              FROM (SELECT DISTINCT ON (film_id) film_id, id FROM {image_table}
                     WHERE kind = %s ORDER BY film_id, id) first
             WHERE first.film_id = f.id AND f.poster_id IS NULL {only}
            """,
            [FilmImage.Kind.POSTER, ids] if ids is not None else [FilmImage.Kind.POSTER],
        )
        return cursor.rowcount
