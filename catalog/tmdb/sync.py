"""Enrich films from TMDb: one request per film, fetched by a few threads, each film stored in one transaction.

    report = tmdb_enrich(progress=bar)          # every film with a TMDb id and no tmdb_synced_at
    report = tmdb_enrich(film_ids=[12], refresh=True)

A film's details (``append_to_response``: credits, keywords, images, videos, release dates, external ids,
alternative titles) and its backdrops are fetched outside any transaction (the shared rate limit must not
be held under a row lock), then stored in one transaction that ends by setting ``Film.tmdb_synced_at``: a
killed sync leaves each film either fully stored or untouched, and the rerun fetches only the films without
it. Every problem (404, 5xx after retries, malformed JSON, a changed or duplicate id, a bad image) is one line
in the report; an invalid key stops the whole sync with TMDbAuthError.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from cineaesthete.progress import Progress, no_progress

from ..ingest.images import CheckedImage, InvalidImage, check_image
from ..models import AlternativeTitle, Credit, Film, FilmImage, FilmRelease, Genre, Keyword, Person
from ..services.images import film_texts_changed, image_store, images_added, posters_fill
from ..titles import name_key
from .client import ImageConfiguration, TMDbAuthError, TMDbClient, TMDbError, TMDbNotFound, tmdb_client

APPEND = "credits,keywords,images,videos,release_dates,external_ids,alternative_titles"
IMDB_ID = re.compile(r"^tt\d{7,10}$")
YOUTUBE_KEY = re.compile(r"^[A-Za-z0-9_-]{6,20}$")
# Writing credits TMDb lists that are the screenplay itself (stored as our "writer" role, not as crew).
WRITER_JOBS = {"Screenplay", "Writer", "Author", "Novel", "Story"}
MAX_CAST = 30


@dataclass
class SyncReport:
    films: int = 0
    stored: int = 0
    not_found: int = 0
    failed: int = 0
    images_stored: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "films": self.films,
            "stored": self.stored,
            "not_found": self.not_found,
            "failed": self.failed,
            "images_stored": self.images_stored,
            "problems": self.problems[:500],
            "seconds": round(self.seconds, 1),
        }


@dataclass
class Fetched:
    film_id: int
    tmdb_id: int
    label: str
    payload: dict | None = None
    images: list[tuple[str, str, CheckedImage]] = field(default_factory=list)  # (kind, url, image)
    problems: list[str] = field(default_factory=list)
    error: str = ""
    not_found: bool = False
    auth_error: TMDbAuthError | None = None
    stored: Stored | None = None
    known_hashes: set[str] | None = None  # the film's images when the sync began; None: look them up


@dataclass
class KnownImages:
    sources: set[str] = field(default_factory=set)
    hashes: set[str] = field(default_factory=set)


def tmdb_enrich(
    *,
    film_ids: Iterable[int] | None = None,
    refresh: bool = False,
    limit: int | None = None,
    workers: int = 8,
    client: TMDbClient | None = None,
    progress: Progress = no_progress,
) -> SyncReport:
    """Fetch and store TMDb's details for films with a TMDb id: those never synced, or with ``refresh`` all
    of them (``film_ids`` narrows either). Raises TMDbNotConfigured without a key, TMDbAuthError on a bad one."""
    started = time.monotonic()
    client = client or tmdb_client()
    images = client.image_configuration()  # also checks the key before any thread starts
    films = Film.objects.filter(tmdb_id__isnull=False)
    if film_ids is not None:
        films = films.filter(pk__in=list(film_ids))
    if not refresh:
        films = films.filter(tmdb_synced_at__isnull=True)
    todo = list(films.order_by("id").values_list("id", "tmdb_id", "title"))
    if limit is not None:
        todo = todo[:limit]
    report = SyncReport(films=len(todo))
    known = _known_images([film_id for film_id, _, _ in todo])
    new_image_ids: list[int] = []
    stored_film_ids: list[int] = []

    # Each thread stores the films it fetched, in its own transaction on its own connection, so the database's
    # round trips overlap too. A caller inside a transaction (a test, an admin action) keeps the stores on its
    # own connection: other connections could not see its rows.
    store_in_threads = not connection.in_atomic_block

    def work(item: tuple[int, int, str]) -> Fetched:
        film_id, tmdb_id, title = item
        fetched = _fetch(
            client,
            images,
            film_id=film_id,
            tmdb_id=tmdb_id,
            label=f"{title} (TMDb {tmdb_id})",
            known_sources=known.get(film_id, KnownImages()).sources,
        )
        fetched.known_hashes = known.get(film_id, KnownImages()).hashes
        if store_in_threads:
            _store(fetched)
        return fetched

    for done, fetched in enumerate(_in_threads(todo, work, workers=workers), start=1):
        if fetched.auth_error is not None:
            raise fetched.auth_error
        if not store_in_threads:
            _store(fetched)
        report.problems.extend(fetched.problems)
        if fetched.not_found:
            report.not_found += 1
            report.problems.append(f"{fetched.label}: TMDb no longer has this film (deleted or merged); left as is")
        elif fetched.error:
            report.failed += 1
            report.problems.append(f"{fetched.label}: {fetched.error}")
        elif fetched.stored is not None:
            report.stored += 1
            stored_film_ids.append(fetched.film_id)
            report.images_stored += len(fetched.stored.image_ids)
            new_image_ids.extend(fetched.stored.image_ids)
            report.problems.extend(f"{fetched.label}: {problem}" for problem in fetched.stored.problems)
        progress("tmdb", done, len(todo))
    if new_image_ids:
        images_added(image_ids=new_image_ids)
    if stored_film_ids:
        film_texts_changed(film_ids=stored_film_ids)
    report.seconds = time.monotonic() - started
    return report


def _store(fetched: Fetched, *, attempts: int = 3) -> None:
    """Store a fetched film; two threads creating the same new person or keyword at once collide on a unique
    key (or, rarely, deadlock): the loser's transaction rolls back whole and is simply run again."""
    if fetched.payload is None or fetched.error or fetched.not_found or fetched.auth_error:
        return
    for attempt in range(1, attempts + 1):
        try:
            fetched.stored = tmdb_film_store(
                film_id=fetched.film_id,
                payload=fetched.payload,
                images=fetched.images,
                # A retry looks them up again: the collision may have been another sync storing the same image.
                known_hashes=fetched.known_hashes if attempt == 1 else None,
            )
            return
        except TMDbError as error:
            fetched.error = str(error)
            return
        except (IntegrityError, OperationalError) as error:
            if attempt == attempts or connection.in_atomic_block:
                fetched.error = f"not stored: {str(error).splitlines()[0]}"
                return


def _known_images(film_ids: list[int]) -> dict[int, KnownImages]:
    """The source URLs (not downloaded again) and content hashes (not stored again) of the films' images, in one
    query for the whole sync rather than one per film."""
    known: dict[int, KnownImages] = {film_id: KnownImages() for film_id in film_ids}
    rows = FilmImage.objects.filter(film_id__in=film_ids).values_list("film_id", "source", "content_hash")
    for film_id, source, content_hash in rows.iterator(chunk_size=5000):
        if source:
            known[film_id].sources.add(source)
        known[film_id].hashes.add(content_hash)
    return known


_DONE = object()


def _in_threads(items: list, work: Callable[[object], Fetched], *, workers: int) -> Iterator[Fetched]:
    """``work(item)`` for every item on ``workers`` threads, yielded as they finish. Leaving the loop early
    (or an invalid key) stops the threads after their current item; each closes its database connection."""
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for item in items:
        todo.put(item)
    results: queue.Queue = queue.Queue(maxsize=workers * 4)
    stop = threading.Event()

    def run() -> None:
        try:
            while not stop.is_set():
                try:
                    item = todo.get_nowait()
                except queue.Empty:
                    return
                result = work(item)
                if result.auth_error is not None:
                    stop.set()  # every other request would be refused too
                results.put(result)
        finally:
            connection.close()  # the shared rate limit opened one in this thread
            results.put(_DONE)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(max(1, min(workers, len(items))))]
    for thread in threads:
        thread.start()
    finished = 0
    try:
        while finished < len(threads):
            result = results.get()
            if result is _DONE:
                finished += 1
            else:
                yield result
    finally:
        stop.set()
        while finished < len(threads):  # let blocked threads put their last result and leave
            if results.get() is _DONE:
                finished += 1


def _fetch(
    client: TMDbClient, images: ImageConfiguration, *, film_id: int, tmdb_id: int, label: str, known_sources: set[str]
) -> Fetched:
    fetched = Fetched(film_id=film_id, tmdb_id=tmdb_id, label=label)
    try:
        fetched.payload = client.get(f"/movie/{tmdb_id}", append_to_response=APPEND)
    except TMDbAuthError as error:
        fetched.auth_error = error
        return fetched
    except TMDbNotFound:
        fetched.not_found = True
        return fetched
    except TMDbError as error:
        fetched.error = str(error)
        return fetched
    per_kind = settings.TMDB_IMAGES_PER_KIND
    wanted = _dicts(_dict(fetched.payload.get("images")).get("backdrops"))
    # The best-voted first, as TMDb's own site orders them; only those with a path we can build a URL from.
    wanted.sort(key=lambda image: -_number(image.get("vote_average")))
    paths = [image["file_path"] for image in wanted if _text(image.get("file_path"), 200).startswith("/")]
    for path in paths[:per_kind]:
        url = images.url(path, kind="backdrop", width=settings.TMDB_IMAGE_WIDTH)
        if url in known_sources:
            continue
        try:
            content = client.download(url, max_bytes=settings.TMDB_IMAGE_MAX_BYTES)
            checked = check_image(content, max_pixels=settings.IMAGE_MAX_PIXELS, max_side=settings.IMAGE_MAX_SIDE)
        except (TMDbError, InvalidImage) as error:
            fetched.problems.append(f"{label}: backdrop {path} skipped: {error}")
        else:
            fetched.images.append((FilmImage.Kind.BACKDROP, url, checked))
    return fetched


@dataclass
class Stored:
    image_ids: list[int]
    problems: list[str]


def tmdb_film_store(
    *,
    film_id: int,
    payload: dict | None,
    images: list[tuple[str, str, CheckedImage]],
    known_hashes: set[str] | None = None,
) -> Stored:
    """Store one film's TMDb details (the JSON of /movie/{id} with APPEND) and checked images, in one
    transaction. Fields TMDb leaves out or sends in the wrong type are skipped, never guessed. Raises TMDbError
    (nothing stored) when the answer is not about this film or its id belongs to another film.

    ``known_hashes``: the content hashes of the film's images, when the caller read them already (the sync
    reads every film's at once); an image stored since then collides on the unique key and the caller retries."""
    if not isinstance(payload, dict) or not isinstance(payload.get("id"), int):
        raise TMDbError("the answer has no film id; nothing stored")
    problems: list[str] = []
    with transaction.atomic():
        film = Film.objects.select_for_update().get(pk=film_id)
        tmdb_id = payload["id"]
        if tmdb_id != film.tmdb_id:
            owner = Film.objects.filter(tmdb_id=tmdb_id).exclude(pk=film.pk).first()
            if owner is not None:
                raise TMDbError(f"TMDb answered with film {tmdb_id}, which is already {owner}; nothing stored")
            problems.append(f"TMDb id changed from {film.tmdb_id} to {tmdb_id}")
            film.tmdb_id = tmdb_id
        # Rows from an earlier TMDb sync exist only when there was one (each sync is all or nothing), so a first
        # sync skips the deletes: a third fewer round trips for the bulk of the work.
        resync = film.tmdb_synced_at is not None
        fresh = not resync and film.movielens_id is None  # a film TMDb itself brought in
        problems += _film_fields_set(film, payload, fresh=fresh)
        problems += _imdb_id_set(film, payload)
        releases = _releases(film, payload)
        if not film.certificate:
            film.certificate = _us_certificate(releases)
        film.tmdb_synced_at = timezone.now()
        film.save()
        if fresh:
            _genres_set(film, payload)
        _keywords_set(film, payload, resync=resync)
        if resync:
            FilmRelease.objects.filter(film=film).delete()
        FilmRelease.objects.bulk_create(releases)
        _credits_set(film, payload, resync=resync)
        _alternative_titles_set(film, payload, resync=resync)
        image_ids = _images_store(film, images, known_hashes=known_hashes) if images else []
    return Stored(image_ids=image_ids, problems=problems)


def _film_fields_set(film: Film, payload: dict, *, fresh: bool) -> list[str]:
    """TMDb fills what the catalogue lacks; a film it brought in itself takes TMDb's title and dates too."""
    problems = []
    title = _text(payload.get("title"), 300)
    original_title = _text(payload.get("original_title"), 300)
    released = _date(payload.get("release_date"))
    if fresh and title:
        film.title = title
    if original_title and not film.original_title and original_title != film.title:
        film.original_title = original_title
    if released and (fresh or film.release_date is None):
        film.release_date = released
    if released and (fresh or film.year is None):
        film.year = released.year
    overview = _text(payload.get("overview"), 5000)
    if overview and not film.plot:
        film.plot = overview
    film.tagline = _text(payload.get("tagline"), 500)
    runtime = payload.get("runtime")
    if isinstance(runtime, int) and 0 < runtime < 32767:
        film.runtime_minutes = runtime
    film.original_language = _text(payload.get("original_language"), 10)
    film.countries = sorted(
        {
            code
            for country in _dicts(payload.get("production_countries"))
            if len(code := _text(country.get("iso_3166_1"), 2)) == 2
        }
    )
    film.trailer_youtube_key = _trailer_key(payload)
    if not title:
        problems.append("no title in TMDb's answer")
    return problems


def _imdb_id_set(film: Film, payload: dict) -> list[str]:
    imdb_id = _text(_dict(payload.get("external_ids")).get("imdb_id"), 12) or _text(payload.get("imdb_id"), 12)
    if not IMDB_ID.match(imdb_id) or imdb_id == film.imdb_id:
        return []
    owner = Film.objects.filter(imdb_id=imdb_id).exclude(pk=film.pk).first()
    if owner is not None:
        return [f"TMDb gives IMDb id {imdb_id}, which is already {owner}; kept {film.imdb_id or 'none'}"]
    before, film.imdb_id = film.imdb_id, imdb_id
    return [f"IMDb id changed from {before} to {imdb_id}"] if before else []


def _trailer_key(payload: dict) -> str:
    """The YouTube key of TMDb's official trailer (else any trailer, else a teaser), the earliest first."""
    videos = [
        video
        for video in _dicts(_dict(payload.get("videos")).get("results"))
        if video.get("site") == "YouTube" and YOUTUBE_KEY.match(_text(video.get("key"), 20))
    ]
    ranked = sorted(
        (video for video in videos if video.get("type") in {"Trailer", "Teaser"}),
        key=lambda video: (
            video.get("type") != "Trailer",
            video.get("official") is not True,
            _text(video.get("published_at"), 30),
        ),
    )
    return ranked[0]["key"] if ranked else ""


def _genres_set(film: Film, payload: dict) -> None:
    names = {name.lower(): name for genre in _dicts(payload.get("genres")) if (name := _text(genre.get("name"), 50))}
    if not names:
        return
    through, genre_table = Film.genres.through._meta.db_table, Genre._meta.db_table
    with connection.cursor() as cursor:
        # One statement: link the genres we know (TMDb's are a short fixed list) and say which they were.
        cursor.execute(
            f"WITH known AS (SELECT id, lower(name) AS name_key FROM {genre_table} WHERE lower(name) = ANY(%s)), "
            f"linked AS (INSERT INTO {through} (film_id, genre_id) SELECT %s, id FROM known ORDER BY id "
            f"ON CONFLICT DO NOTHING) SELECT name_key FROM known",
            [list(names), film.pk],
        )
        found = {name_key for (name_key,) in cursor.fetchall()}
    new = [Genre.objects.create(name=name) for key, name in names.items() if key not in found]
    if new:  # rare: TMDb's genres are a short fixed list
        film.genres.add(*new)


def _keywords_set(film: Film, payload: dict, *, resync: bool) -> None:
    entries = {
        entry["id"]: _text(entry.get("name"), 200)
        for entry in _dicts(_dict(payload.get("keywords")).get("keywords"))
        if isinstance(entry.get("id"), int) and _text(entry.get("name"), 200)
    }
    Keyword.objects.bulk_create(  # in id order, so two transactions never wait on each other crosswise
        [Keyword(tmdb_id=tmdb_id, name=name) for tmdb_id, name in sorted(entries.items())], ignore_conflicts=True
    )
    through = Film.keywords.through
    if resync:
        through.objects.filter(film_id=film.pk).delete()
    if entries:
        # One INSERT … SELECT instead of reading the keywords' ids back and sending them again.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {through._meta.db_table} (film_id, keyword_id) "
                f"SELECT %s, id FROM {Keyword._meta.db_table} WHERE tmdb_id = ANY(%s) ON CONFLICT DO NOTHING",
                [film.pk, list(entries)],
            )


def _releases(film: Film, payload: dict) -> list[FilmRelease]:
    releases = []
    for country in _dicts(_dict(payload.get("release_dates")).get("results")):
        code = _text(country.get("iso_3166_1"), 2)
        if len(code) != 2:
            continue
        for release in _dicts(country.get("release_dates")):
            kind = release.get("type")
            releases.append(
                FilmRelease(
                    film=film,
                    country=code,
                    release_date=_date(release.get("release_date")),
                    kind=kind if kind in FilmRelease.Kind.values else None,
                    certification=_text(release.get("certification"), 20),
                    note=_text(release.get("note"), 200),
                )
            )
    return releases


def _us_certificate(releases: list[FilmRelease]) -> str:
    """The US certification of the theatrical release, else of the earliest certified one; "" if none."""
    us = [r for r in releases if r.country == "US" and r.certification]
    us.sort(key=lambda r: (r.kind != FilmRelease.Kind.THEATRICAL, r.release_date or date.max))
    return us[0].certification if us else ""


def _credits_set(film: Film, payload: dict, *, resync: bool) -> None:
    """The full crew (replaced), and directors, writers and the top of the cast (added to what is there)."""
    credits = _dict(payload.get("credits"))
    cast = [entry for entry in _dicts(credits.get("cast")) if _person_ok(entry)][:MAX_CAST]
    crew = [entry for entry in _dicts(credits.get("crew")) if _person_ok(entry) and _text(entry.get("job"), 100)]
    people = _people_for([*cast, *crew])
    rows: dict[tuple[int, str, str], Credit] = {}
    for order, entry in enumerate(cast):
        key = (people[entry["id"]], Credit.Role.CAST, "")
        rows.setdefault(
            key,
            Credit(film=film, person_id=key[0], role=key[1], character=_text(entry.get("character"), 200), order=order),
        )
    orders: dict[str, int] = {}
    for entry in crew:
        job = _text(entry.get("job"), 100)
        if job == "Director":
            role, job = Credit.Role.DIRECTOR, ""
        elif entry.get("department") == "Writing" and job in WRITER_JOBS:
            role, job = Credit.Role.WRITER, ""
        else:
            role = Credit.Role.CREW
        order = orders[role] = orders.get(role, -1) + 1
        key = (people[entry["id"]], role, job)
        rows.setdefault(key, Credit(film=film, person_id=key[0], role=role, job=job, order=order))
    if resync:
        Credit.objects.filter(film=film, role=Credit.Role.CREW).delete()
    Credit.objects.bulk_create(rows.values(), ignore_conflicts=True)


def _person_ok(entry: dict) -> bool:
    return isinstance(entry.get("id"), int) and bool(_text(entry.get("name"), 200))


def _people_for(entries: list[dict]) -> dict[int, int]:
    """{TMDb person id: our Person id}, adopting a same-named person with no TMDb id, else creating one."""
    names = {entry["id"]: _text(entry["name"], 200) for entry in entries}
    ids = dict(Person.objects.filter(tmdb_id__in=names).values_list("tmdb_id", "id"))
    missing = {tmdb_id: name for tmdb_id, name in names.items() if tmdb_id not in ids}
    if not missing:
        return ids
    keys = {tmdb_id: name_key(name) for tmdb_id, name in missing.items()}
    by_key = {
        key: (pk, tmdb_id)
        for pk, key, tmdb_id in Person.objects.filter(name_key__in=set(keys.values())).values_list(
            "id", "name_key", "tmdb_id"
        )
    }
    created = []
    for tmdb_id, key in keys.items():
        holder = by_key.get(key)
        if holder is not None and holder[1] is None:
            Person.objects.filter(pk=holder[0]).update(tmdb_id=tmdb_id)
            ids[tmdb_id] = holder[0]
            by_key[key] = (holder[0], tmdb_id)
        else:
            # A namesake already taken by another TMDb person: keep them apart by their TMDb id.
            unique_key = key if holder is None else f"{key[:180]} #tmdb{tmdb_id}"
            by_key.setdefault(unique_key, (0, tmdb_id))
            created.append(Person(name=missing[tmdb_id], name_key=unique_key, tmdb_id=tmdb_id))
    for person in Person.objects.bulk_create(created):
        ids[person.tmdb_id] = person.pk
    return ids


def _alternative_titles_set(film: Film, payload: dict, *, resync: bool) -> None:
    titles: dict[str, str] = {}
    for entry in _dicts(_dict(payload.get("alternative_titles")).get("titles")):
        title = _text(entry.get("title"), 300)
        if title and title != film.title:
            titles.setdefault(title, _text(entry.get("iso_3166_1"), 2))
    if resync:
        AlternativeTitle.objects.filter(film=film, source="tmdb").delete()
    AlternativeTitle.objects.bulk_create(
        [AlternativeTitle(film=film, title=title, source="tmdb", country=country) for title, country in titles.items()]
    )


def _images_store(
    film: Film, images: list[tuple[str, str, CheckedImage]], *, known_hashes: set[str] | None
) -> list[int]:
    if known_hashes is None:
        known = set(FilmImage.objects.filter(film=film).values_list("content_hash", flat=True))
    else:
        known = set(known_hashes)
    new = []
    for kind, url, checked in images:
        if checked.content_hash not in known:
            known.add(checked.content_hash)
            new.append(image_store(film_id=film.pk, kind=kind, checked=checked, source=url))
    FilmImage.objects.bulk_create(new)
    if any(image.kind == FilmImage.Kind.POSTER for image in new):
        posters_fill(film_ids=[film.pk])
    return [image.pk for image in new]


# --- Reading TMDb's JSON without trusting its types -------------------------------------------------------


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _dicts(value: object) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: object, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _date(value: object) -> date | None:
    """TMDb's "1999-10-15" or "1999-10-15T00:00:00.000Z"; None for "", null or nonsense."""
    text = _text(value, 40)[:10]
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
