"""Growing the catalogue from TMDb: the daily id export, the changes feed, and single imports by id or URL."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import tempfile
import zlib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cineaesthete.progress import Progress, no_progress

from ..ingest.errors import IngestError
from ..models import Film
from ..services.base import chunks
from ..services.streaming import films_added_announce
from ..titles import sort_key
from .client import TMDbClient, TMDbError, tmdb_client
from .sync import SyncReport, tmdb_enrich

MAX_PROBLEMS = 50
# "603", "https://www.themoviedb.org/movie/603-the-matrix", "themoviedb.org/movie/603?language=fr"
_TMDB_REFERENCE = re.compile(r"^\s*(?:(?:https?://)?(?:www\.)?themoviedb\.org/movie/)?(\d{1,9})(?:[-/?#].*)?\s*$", re.I)


@dataclass
class IdsFileReport:
    lines: int = 0
    added: int = 0
    known: int = 0
    below_floor: int = 0
    adult: int = 0
    videos: int = 0
    bad_lines: int = 0
    truncated: bool = False
    film_ids: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if key != "film_ids"} | {
            "added_ids": len(self.film_ids)
        }


def tmdb_ids_file_import(*, source: str, limit: int | None = None, floor: float | None = None) -> IdsFileReport:
    """Add a Film (title and TMDb id; `tmdb_enrich` fills the rest) for each line of TMDb's daily export
    (gzipped JSON lines: id, original_title, popularity, adult, video) at or above the popularity ``floor``
    (TMDB_POPULARITY_FLOOR), adult titles and videos left out, films already here skipped. A truncated file
    keeps the lines before the break and says so. Raises IngestError when the file cannot be read at all."""
    floor = settings.TMDB_POPULARITY_FLOOR if floor is None else floor
    report = IdsFileReport()
    with tempfile.TemporaryDirectory() as scratch:
        path = _local_copy(source, Path(scratch))
        known = set(Film.objects.filter(tmdb_id__isnull=False).values_list("tmdb_id", flat=True))
        new: dict[int, str] = {}
        try:
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as lines:
                for number, line in enumerate(lines, start=1):
                    report.lines = number
                    _line_take(line, number, report, known=known, new=new, floor=floor)
                    if limit is not None and len(new) >= limit:
                        break
        except (EOFError, zlib.error) as error:
            report.truncated = True
            report.problems.append(
                f"{source}: the file is truncated after line {report.lines:,} ({error}); the lines before it were used"
            )
        except (gzip.BadGzipFile, OSError) as error:
            if report.lines == 0:
                raise IngestError(f"not a gzipped TMDb id export ({error})", file=source) from error
            report.truncated = True
            report.problems.append(
                f"{source}: unreadable after line {report.lines:,} ({error}); the lines before it were used"
            )
    with transaction.atomic():
        for batch in chunks(list(new.items()), 1000):
            Film.objects.bulk_create(
                [
                    Film(title=title, original_title=title, tmdb_id=tmdb_id, sort_title=sort_key(title))
                    for tmdb_id, title in batch
                ],
                ignore_conflicts=True,  # another import added it meanwhile (ignored rows get no pk: read them back)
            )
            ids = [tmdb_id for tmdb_id, _ in batch]
            report.film_ids += Film.objects.filter(tmdb_id__in=ids, tmdb_synced_at__isnull=True).values_list(
                "id", flat=True
            )
    report.added = len(report.film_ids)
    return report


def _line_take(
    line: str, number: int, report: IdsFileReport, *, known: set[int], new: dict[int, str], floor: float
) -> None:
    try:
        entry = json.loads(line)
        tmdb_id = entry["id"]
        if not isinstance(tmdb_id, int) or isinstance(tmdb_id, bool) or tmdb_id <= 0:
            raise ValueError("id is not a positive integer")
    except (ValueError, KeyError, TypeError) as error:
        if line.strip():
            report.bad_lines += 1
            if len(report.problems) < MAX_PROBLEMS:
                report.problems.append(f"line {number:,}: skipped, not an id export line ({error})")
        return
    popularity = entry.get("popularity")
    title = entry.get("original_title") if isinstance(entry.get("original_title"), str) else ""
    if entry.get("adult") is not False:  # missing counts as adult: never guess a title is safe
        report.adult += 1
    elif entry.get("video") is True:
        report.videos += 1
    elif not isinstance(popularity, int | float) or popularity < floor or not title.strip():
        report.below_floor += 1
    elif tmdb_id in known or tmdb_id in new:
        report.known += 1
    else:
        new[tmdb_id] = title.strip()[:300]


def _local_copy(source: str, scratch: Path) -> Path:
    if not source.lower().startswith(("http://", "https://")):
        path = Path(source)
        if not path.is_file():
            raise IngestError("no such file", file=source)
        return path
    target = scratch / "ids.json.gz"
    try:
        with requests.get(source, stream=True, timeout=settings.TMDB_TIMEOUT_SECONDS) as response:
            if response.status_code != 200:
                raise IngestError(f"download failed: HTTP {response.status_code}", file=source)
            with target.open("wb") as handle:
                shutil.copyfileobj(response.raw, handle)
    except requests.RequestException as error:
        raise IngestError(f"download failed ({type(error).__name__})", file=source) from error
    return target


def tmdb_changes_sync(
    *, days: int = 1, workers: int = 8, client: TMDbClient | None = None, progress: Progress = no_progress
) -> SyncReport:
    """Re-sync the films of ours that TMDb's /movie/changes lists for the last ``days`` (at most 14, TMDb's
    window): edits arrive, and films TMDb deleted are reported by the sync (their 404)."""
    client = client or tmdb_client()
    end = timezone.now().date()
    start = end - timedelta(days=max(1, min(days, 14)))
    changed: set[int] = set()
    page, pages = 1, 1
    while page <= pages and page <= 500:  # TMDb serves at most 500 pages
        answer = client.get("/movie/changes", start_date=start.isoformat(), end_date=end.isoformat(), page=page)
        for entry in answer.get("results") or []:
            if isinstance(entry, dict) and isinstance(entry.get("id"), int):
                changed.add(entry["id"])
        pages = answer.get("total_pages") if isinstance(answer.get("total_pages"), int) else page
        page += 1
    film_ids = list(Film.objects.filter(tmdb_id__in=changed).values_list("id", flat=True))
    if not film_ids:
        return SyncReport()
    return tmdb_enrich(film_ids=film_ids, refresh=True, workers=workers, client=client, progress=progress)


def tmdb_reference_parse(text: str) -> int | None:
    """A TMDb film id from "603" or a themoviedb.org film URL; None for anything else."""
    match = _TMDB_REFERENCE.match(text or "")
    return int(match[1]) if match and int(match[1]) > 0 else None


@dataclass(frozen=True)
class SingleImport:
    film: Film
    created: bool


def tmdb_film_import(*, tmdb_id: int, client: TMDbClient | None = None) -> SingleImport:
    """The film with this TMDb id, added and synced now when the catalogue lacks it (staff's admin import).
    Raises TMDbNotFound for an id TMDb does not have, TMDbError for the rest; nothing is left half-made."""
    client = client or tmdb_client()
    existing = Film.objects.filter(tmdb_id=tmdb_id).first()
    if existing is not None and existing.tmdb_synced_at is not None:
        return SingleImport(film=existing, created=False)
    payload = client.get(f"/movie/{tmdb_id}")  # checks the id exists before a row is made
    title = (
        payload.get("title")
        if isinstance(payload.get("title"), str) and payload["title"].strip()
        else f"TMDb {tmdb_id}"
    )
    created = False
    if existing is None:
        existing, created = Film.objects.get_or_create(tmdb_id=tmdb_id, defaults={"title": title[:300]})
    report = tmdb_enrich(film_ids=[existing.pk], refresh=True, workers=1, client=client)
    if report.stored != 1:
        if created:
            existing.delete()
        raise TMDbImportFailed(report)
    existing.refresh_from_db()
    if created:
        films_added_announce(film_ids=[existing.pk])  # members following its director hear of it
    return SingleImport(film=existing, created=created)


class TMDbImportFailed(TMDbError):
    def __init__(self, report: SyncReport) -> None:
        super().__init__("; ".join(report.problems) or "TMDb did not answer")


@dataclass(frozen=True)
class TMDbHit:
    tmdb_id: int
    title: str
    year: int | None
    film_id: int | None  # ours, when the catalogue has it already


def tmdb_search(*, query: str, client: TMDbClient | None = None, limit: int = 10) -> list[TMDbHit]:
    """TMDb's /search/movie for a member's "Can't find it?", adult titles left out, marked when we have them."""
    client = client or tmdb_client()
    answer = client.get("/search/movie", query=query, include_adult="false", page=1)
    hits = []
    for entry in answer.get("results") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), int) or entry.get("adult") is not False:
            continue
        title = entry.get("title") if isinstance(entry.get("title"), str) else ""
        released = entry.get("release_date") if isinstance(entry.get("release_date"), str) else ""
        year = int(released[:4]) if released[:4].isdigit() else None
        if title.strip():
            hits.append(TMDbHit(tmdb_id=entry["id"], title=title.strip()[:300], year=year, film_id=None))
        if len(hits) == limit:
            break
    ours = dict(Film.objects.filter(tmdb_id__in=[hit.tmdb_id for hit in hits]).values_list("tmdb_id", "id"))
    return [TMDbHit(hit.tmdb_id, hit.title, hit.year, ours.get(hit.tmdb_id)) for hit in hits]
