"""A MovieLens import: films first (the catalogue's part), then the ratings and the members who gave them.

Raters become imported members (username ``ml-<id>``, no usable password); ratings are upserted on
(member, film) and the films' rating statistics recomputed. Everything runs in one transaction: a malformed
file raises ``IngestError`` naming file and line and leaves the database as it was; a re-run with the same
files writes nothing.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from accounts.models import User
from catalog.ingest.errors import IngestError
from catalog.ingest.movielens import Layout, detect_layout, read_ratings
from catalog.ingest.source import DataSource
from catalog.services.movielens import MovieLensFilmsSummary, movielens_films_ingest
from cineaesthete.progress import Progress, no_progress

from .models import Rating
from .services import film_rating_stats_refresh

MOVIELENS = "movielens"
COPY_CHUNK = 1 << 20
# Above this many ratings, mostly new, the import rebuilds the rating table's keys and indexes (_bulk_load).
BULK_LOAD_MIN_ROWS = 100_000


@dataclass
class MovieLensSummary(MovieLensFilmsSummary):
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
    progress: Progress = no_progress,
) -> MovieLensSummary:
    """Import a MovieLens release (directory or zip): films, titles, genres, links, tags, then ratings."""
    started = time.monotonic()
    summary = MovieLensSummary()
    source = DataSource.open(location)
    try:
        layout = detect_layout(source)
        with transaction.atomic():
            film_ids = movielens_films_ingest(
                source=source, layout=layout, links_path=links_path, summary=summary, progress=progress
            )
            if with_ratings:
                movielens_ratings_import(
                    source=source, layout=layout, film_ids=film_ids, summary=summary, progress=progress
                )
                film_rating_stats_refresh(film_ids=film_ids.values())
    finally:
        source.close()
    summary.seconds = time.monotonic() - started
    return summary


def movielens_ratings_import(
    *,
    source: DataSource,
    layout: Layout,
    film_ids: dict[int, int],
    summary: MovieLensSummary,
    progress: Progress = no_progress,
) -> None:
    """Stream the ratings file into a temporary table with COPY (validating every line on the way), then
    create the missing members and upsert all ratings with one INSERT … SELECT … ON CONFLICT."""
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

        with cursor.cursor.copy("COPY ml_rating_import (ml_user, film_id, stars, ts) FROM STDIN") as copy:
            for number, user_id, movie_id, stars, timestamp in read_ratings(source, layout, progress=progress):
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
