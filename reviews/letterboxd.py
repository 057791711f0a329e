"""Letterboxd export zips: read one into a member's ratings, diary, watched films, watchlist and reviews,
and write a member's data back in the same layout.

Reading is two phases: parse and check every file (nothing written; any problem raises LetterboxdError
with a message naming the file and line), then write everything in one transaction. The archive is
inspected before anything is decompressed: too many members, too much uncompressed data, or a
suspicious compression ratio (a zip bomb) is refused.

Letterboxd's columns: Date, Name, Year, Letterboxd URI, Rating, Rewatch, Tags, Watched Date, Review
(optional tmdbID / imdbID columns are used for matching when present).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog.models import Film

from . import services
from .models import DiaryEntry, LetterboxdFilm, Rating, Review, WatchlistEntry

MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 2000
MAX_RATIO = 200  # CSV text compresses 5–20x; a bomb compresses hundreds or thousands of times
MAX_ROWS = 200_000

BASE_COLUMNS = ["Date", "Name", "Year", "Letterboxd URI"]
FILES: dict[str, list[str]] = {
    "watched.csv": BASE_COLUMNS,
    "ratings.csv": [*BASE_COLUMNS, "Rating"],
    "diary.csv": [*BASE_COLUMNS, "Rating", "Rewatch", "Tags", "Watched Date"],
    "reviews.csv": [*BASE_COLUMNS, "Rating", "Rewatch", "Review", "Tags", "Watched Date"],
    "watchlist.csv": BASE_COLUMNS,
}
REQUIRED: dict[str, set[str]] = {
    "watched.csv": {"Name", "Date"},
    "ratings.csv": {"Name", "Date", "Rating"},
    "diary.csv": {"Name", "Date", "Watched Date"},
    "reviews.csv": {"Name", "Date", "Review"},
    "watchlist.csv": {"Name", "Date"},
}


class LetterboxdError(Exception):
    """The archive is refused; the message says why, for the member."""


# --- the archive --------------------------------------------------------------------------------------


def check_archive(upload: IO[bytes]) -> dict[str, zipfile.ZipInfo]:
    """Open the zip and check its table of contents; return the known CSV members by file name."""
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise LetterboxdError("This is not a zip file. Upload the .zip that Letterboxd's export gives you.") from None
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise LetterboxdError(f"The zip holds {len(infos)} files; a Letterboxd export has far fewer.")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise LetterboxdError(
            f"The zip would unpack to {total / 1e6:.0f} MB; the limit is {MAX_UNCOMPRESSED_BYTES / 1e6:.0f} MB."
        )
    known: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(1, info.compress_size):
            raise LetterboxdError(f"{info.filename} is compressed suspiciously well (a zip bomb?); refused.")
        name = info.filename.rsplit("/", 1)[-1].lower()
        # Only top-level files count (Letterboxd also ships lists/, likes/, deleted/ folders).
        if "/" not in info.filename.strip("/") and name in FILES:
            known[name] = info
    if not known:
        raise LetterboxdError(
            "No Letterboxd files found: expected ratings.csv, diary.csv, watched.csv, watchlist.csv or reviews.csv."
        )
    return known


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    # Never trust the declared size alone: read at most the limit, and refuse if there is more.
    try:
        with archive.open(info) as stream:
            data = stream.read(MAX_UNCOMPRESSED_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
        raise LetterboxdError(f"{info.filename} is damaged or encrypted ({error}).") from None
    if len(data) > MAX_UNCOMPRESSED_BYTES:
        raise LetterboxdError(f"{info.filename} is larger than it claims; refused.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LetterboxdError(f"{info.filename} is not a UTF-8 CSV file.") from None


# --- parsing ------------------------------------------------------------------------------------------


@dataclass
class Row:
    file: str
    line: int
    date: datetime.date
    name: str
    year: int | None
    uri: str = ""
    stars: Decimal | None = None
    rewatch: bool = False
    tags: list[str] = field(default_factory=list)
    watched_on: datetime.date | None = None
    review: str = ""
    tmdb_id: int | None = None
    imdb_id: str = ""
    film: Film | None = None


def _parse_date(value: str, where: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise LetterboxdError(f"{where}: {value!r} is not a date (YYYY-MM-DD).") from None


def _parse_rows(file_name: str, text: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return []
        header = [column.strip() for column in header]
        missing = REQUIRED[file_name] - set(header)
        if missing:
            raise LetterboxdError(
                f"{file_name} is not a Letterboxd file: it lacks the column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(sorted(missing))}."
            )
        rows: list[Row] = []
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(header):
                raise LetterboxdError(
                    f"{file_name}, line {line}: {len(values)} columns where the header has {len(header)}."
                )
            if len(rows) >= MAX_ROWS:
                raise LetterboxdError(f"{file_name} has more than {MAX_ROWS} rows.")
            record = dict(zip(header, values, strict=True))
            rows.append(_row(file_name, line, record))
        return rows
    except csv.Error as error:
        raise LetterboxdError(f"{file_name}, line {reader.line_num}: malformed CSV ({error}).") from None


def _row(file_name: str, line: int, record: dict[str, str]) -> Row:
    where = f"{file_name}, line {line}"
    name = record.get("Name", "").strip()
    if not name:
        raise LetterboxdError(f"{where}: the film has no name.")
    year_text = record.get("Year", "").strip()
    if year_text and not year_text.isdigit():
        raise LetterboxdError(f"{where}: {year_text!r} is not a year.")
    stars = None
    if rating_text := record.get("Rating", "").strip():
        try:
            stars = services.parse_stars(rating_text)
        except Exception:
            raise LetterboxdError(f"{where}: {rating_text!r} is not a rating from 0.5 to 5.") from None
    if file_name == "ratings.csv" and stars is None:
        raise LetterboxdError(f"{where}: a rating row without a rating.")
    watched_text = record.get("Watched Date", "").strip()
    tmdb_text = (record.get("tmdbID") or record.get("TMDb ID") or "").strip()
    imdb_text = (record.get("imdbID") or record.get("IMDb ID") or "").strip()
    review = record.get("Review", "")
    if file_name == "reviews.csv" and not review.strip():
        raise LetterboxdError(f"{where}: a review row without a review.")
    return Row(
        file=file_name,
        line=line,
        date=_parse_date(record.get("Date", ""), where),
        name=name,
        year=int(year_text) if year_text else None,
        uri=record.get("Letterboxd URI", "").strip(),
        stars=stars,
        rewatch=record.get("Rewatch", "").strip().lower() in {"yes", "true", "1"},
        tags=[tag.strip() for tag in record.get("Tags", "").split(",") if tag.strip()],
        watched_on=_parse_date(watched_text, where) if watched_text else None,
        review=review.replace("\r\n", "\n"),
        tmdb_id=int(tmdb_text) if tmdb_text.isdigit() else None,
        imdb_id=_imdb_id(imdb_text),
    )


def _imdb_id(text: str) -> str:
    digits = text.lower().removeprefix("tt")
    return f"tt{int(digits):07d}" if digits.isdigit() else ""


def parse_archive(upload: IO[bytes]) -> dict[str, list[Row]]:
    """Every known file's rows, checked; raises LetterboxdError on the first problem."""
    known = check_archive(upload)
    archive = zipfile.ZipFile(upload)
    total = 0
    parsed: dict[str, list[Row]] = {}
    for file_name in FILES:
        if file_name in known:
            text = _read_member(archive, known[file_name])
            total += len(text)
            if total > MAX_UNCOMPRESSED_BYTES:
                raise LetterboxdError("The export is larger than the import limit.")
            parsed[file_name] = _parse_rows(file_name, text)
    return parsed


# --- matching -----------------------------------------------------------------------------------------


def normalise_title(title: str) -> str:
    """Case-, accent- and punctuation-insensitive title key ("Amélie!" and "amelie" match)."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def match_films(rows: Iterable[Row]) -> None:
    """Set ``row.film``: by TMDb id, then IMDb id, then normalised title and year (a few queries in all)."""
    rows = list(rows)
    tmdb_ids = {row.tmdb_id for row in rows if row.tmdb_id}
    imdb_ids = {row.imdb_id for row in rows if row.imdb_id}
    by_tmdb = {film.tmdb_id: film for film in Film.objects.filter(tmdb_id__in=tmdb_ids)} if tmdb_ids else {}
    by_imdb = {film.imdb_id: film for film in Film.objects.filter(imdb_id__in=imdb_ids)} if imdb_ids else {}
    uris = {row.uri for row in rows if row.uri}
    by_uri = (
        {link.uri: link.film for link in LetterboxdFilm.objects.filter(uri__in=uris).select_related("film")}
        if uris
        else {}
    )
    for row in rows:
        row.film = by_tmdb.get(row.tmdb_id) or by_imdb.get(row.imdb_id) or by_uri.get(row.uri)
    pending = [row for row in rows if row.film is None]
    if not pending:
        return
    years = {row.year for row in pending if row.year}
    # Titles vary a little between sources, and years by one (festival vs release), so look one year around.
    nearby = {y + delta for y in years for delta in (-1, 0, 1)}
    candidates = Film.objects.filter(Q(year__in=nearby) | Q(year__isnull=True)) if nearby else Film.objects.all()
    index: dict[str, list[Film]] = {}
    for film in candidates.only("id", "title", "original_title", "year"):
        for title in {film.title, film.original_title}:
            if title:
                index.setdefault(normalise_title(title), []).append(film)
                # MovieLens writes "Matrix, The"; Letterboxd writes "The Matrix".
                if m := re.match(r"^(.*), (the|a|an|le|la|les|l'|il|el|der|die|das)$", title, re.IGNORECASE):
                    index.setdefault(normalise_title(f"{m.group(2)} {m.group(1)}"), []).append(film)
    for row in pending:
        films = index.get(normalise_title(row.name), [])
        exact = [film for film in films if film.year == row.year]
        close = [film for film in films if row.year and film.year and abs(film.year - row.year) == 1]
        if len(exact) == 1:
            row.film = exact[0]
        elif not exact and len(close) == 1:
            row.film = close[0]
        elif not row.year and len(films) == 1:
            row.film = films[0]


# --- import -------------------------------------------------------------------------------------------


def _at(date: datetime.date) -> datetime.datetime:
    # Noon, so the date survives any time zone a reader uses.
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(12)))


def _day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def import_archive(*, user, upload: IO[bytes], progress: Callable[[int, int, str], None] | None = None) -> dict:
    """Import a Letterboxd export for ``user``; returns the report. Raises LetterboxdError (nothing imported)."""
    parsed = parse_archive(upload)
    all_rows = [row for rows in parsed.values() for row in rows]
    match_films(all_rows)
    total = len(all_rows)
    done = 0
    created = {"ratings": 0, "watched": 0, "diary entries": 0, "reviews": 0, "watchlist entries": 0}

    def step(message: str) -> None:
        nonlocal done
        done += 1
        if progress and (done % 200 == 0 or done == total):
            progress(done, total, message)

    with transaction.atomic():
        links = {row.film.pk: row.uri for row in all_rows if row.film and row.uri and row.file in _FILM_URI_FILES}
        existing_links = set(LetterboxdFilm.objects.filter(film_id__in=links).values_list("film_id", flat=True))
        LetterboxdFilm.objects.bulk_create(
            [
                LetterboxdFilm(film_id=film_id, uri=uri)
                for film_id, uri in links.items()
                if film_id not in existing_links
            ]
        )
        ratings = {r.film_id: r for r in Rating.objects.filter(user=user)}
        for row in parsed.get("watched.csv", []):
            if row.film and row.film.pk not in ratings:
                ratings[row.film.pk] = Rating.objects.create(
                    user=user, film=row.film, created_at=_at(row.date), updated_at=_at(row.date)
                )
                created["watched"] += 1
            step("watched films")
        for row in parsed.get("ratings.csv", []):
            if row.film:
                rating = ratings.get(row.film.pk)
                if rating is None:
                    rating = ratings[row.film.pk] = Rating(user=user, film=row.film, created_at=_at(row.date))
                    created["ratings"] += 1
                elif rating.stars is None:
                    created["ratings"] += 1
                rating.stars = row.stars
                rating.updated_at = _at(row.date)
                rating.save()
            step("ratings")
        diary_by_uri = {e.letterboxd_uri: e for e in DiaryEntry.objects.filter(user=user).exclude(letterboxd_uri="")}
        diary_by_key = {(e.film_id, e.watched_on, _day(e.created_at)): e for e in DiaryEntry.objects.filter(user=user)}
        for row in parsed.get("diary.csv", []):
            if row.film:
                entry = diary_by_uri.get(row.uri) if row.uri else None
                entry = entry or diary_by_key.get((row.film.pk, row.watched_on, row.date))
                if entry is None:
                    entry = DiaryEntry.objects.create(
                        user=user,
                        film=row.film,
                        watched_on=row.watched_on or row.date,
                        rewatch=row.rewatch,
                        stars=row.stars,
                        tags=services._clean_tags(row.tags),
                        letterboxd_uri=row.uri,
                        created_at=_at(row.date),
                    )
                    created["diary entries"] += 1
                    if row.uri:
                        diary_by_uri[row.uri] = entry
                    diary_by_key[(row.film.pk, entry.watched_on, row.date)] = entry
            step("diary")
        reviews_by_uri = {r.letterboxd_uri: r for r in Review.objects.filter(user=user).exclude(letterboxd_uri="")}
        reviews_by_text = {(r.film_id, r.text.strip()): r for r in Review.objects.filter(user=user)}
        for row in parsed.get("reviews.csv", []):
            if row.film:
                review = (reviews_by_uri.get(row.uri) if row.uri else None) or reviews_by_text.get(
                    (row.film.pk, row.review.strip())
                )
                if review is None:
                    review = Review.objects.create(
                        user=user,
                        film=row.film,
                        text=row.review.strip(),
                        stars=row.stars,
                        letterboxd_uri=row.uri,
                        created_at=_at(row.date),
                        updated_at=_at(row.date),
                    )
                    reviews_by_text[(row.film.pk, review.text)] = review
                    created["reviews"] += 1
                    services.review_sentiment_enqueue(review_id=review.pk)
                # On Letterboxd a review belongs to a diary entry (same URI, or same film and viewing date).
                entry = (diary_by_uri.get(row.uri) if row.uri else None) or (
                    diary_by_key.get((row.film.pk, row.watched_on, row.date)) if row.watched_on else None
                )
                if entry is not None and entry.review_id is None:
                    entry.review = review
                    entry.save(update_fields=["review"])
            step("reviews")
        on_watchlist = set(WatchlistEntry.objects.filter(user=user).values_list("film_id", flat=True))
        new_entries = []
        for row in parsed.get("watchlist.csv", []):
            if row.film and row.film.pk not in on_watchlist:
                on_watchlist.add(row.film.pk)
                new_entries.append(WatchlistEntry(user=user, film=row.film, added_at=_at(row.date)))
            step("watchlist")
        WatchlistEntry.objects.bulk_create(new_entries)
        created["watchlist entries"] = len(new_entries)
        services.film_rating_stats_refresh(film_ids={row.film.pk for row in parsed.get("ratings.csv", []) if row.film})
    return {
        "files": {
            name: {
                "rows": len(rows),
                "matched": sum(1 for row in rows if row.film),
                "unmatched": sum(1 for row in rows if not row.film),
            }
            for name, rows in parsed.items()
        },
        "created": created,
        "unmatched": _unmatched(all_rows)[:500],
    }


_FILM_URI_FILES = {"watched.csv", "ratings.csv", "watchlist.csv"}


def _unmatched(rows: list[Row]) -> list[dict]:
    seen: set[tuple[str, int | None]] = set()
    unmatched = []
    for row in rows:
        if row.film is None and (row.name, row.year) not in seen:
            seen.add((row.name, row.year))
            unmatched.append({"name": row.name, "year": row.year, "file": row.file})
    return unmatched


# --- export -------------------------------------------------------------------------------------------


def _stars_text(stars: Decimal | None) -> str:
    if stars is None:
        return ""
    return str(int(stars)) if stars % 1 == 0 else f"{stars:.1f}"


def export_rows(*, user) -> dict[str, list[list[str]]]:
    """The member's data as Letterboxd CSV rows (header first), file name → rows."""
    site = settings.SITE_URL.rstrip("/")
    film_uris = dict(LetterboxdFilm.objects.filter(film__ratings__user=user).values_list("film_id", "uri"))
    film_uris.update(LetterboxdFilm.objects.filter(film__watchlist_entries__user=user).values_list("film_id", "uri"))

    def film_uri(film: Film) -> str:
        return film_uris.get(film.pk) or f"{site}{film.get_absolute_url()}"

    def base(date: datetime.date, film: Film, uri: str | None = None) -> list[str]:
        return [date.isoformat(), film.title, str(film.year or ""), uri or film_uri(film)]

    files: dict[str, list[list[str]]] = {name: [columns] for name, columns in FILES.items()}
    ratings = list(Rating.objects.filter(user=user).select_related("film").order_by("created_at", "id"))
    diary = list(DiaryEntry.objects.filter(user=user).select_related("film", "review").order_by("created_at", "id"))
    watched = {rating.film_id for rating in ratings}
    for rating in ratings:
        files["watched.csv"].append(base(_day(rating.created_at), rating.film))
    for entry in diary:
        if entry.film_id not in watched:
            watched.add(entry.film_id)
            files["watched.csv"].append(base(_day(entry.created_at), entry.film))
    for rating in sorted(ratings, key=lambda r: (r.updated_at, r.pk)):
        if rating.stars is not None:
            files["ratings.csv"].append([*base(_day(rating.updated_at), rating.film), _stars_text(rating.stars)])
    reviewed_in_diary: dict[int, DiaryEntry] = {}
    for entry in diary:
        files["diary.csv"].append(
            [
                *base(_day(entry.created_at), entry.film, entry.letterboxd_uri),
                _stars_text(entry.stars),
                "Yes" if entry.rewatch else "",
                ", ".join(entry.tags),
                entry.watched_on.isoformat(),
            ]
        )
        if entry.review_id:
            reviewed_in_diary.setdefault(entry.review_id, entry)
    for review in Review.objects.filter(user=user).select_related("film").order_by("created_at", "id"):
        entry = reviewed_in_diary.get(review.pk)
        files["reviews.csv"].append(
            [
                *base(_day(review.created_at), review.film, review.letterboxd_uri or (entry and entry.letterboxd_uri)),
                _stars_text(review.stars),
                "Yes" if entry and entry.rewatch else "",
                review.text,
                ", ".join(entry.tags) if entry else "",
                entry.watched_on.isoformat() if entry else "",
            ]
        )
    for item in WatchlistEntry.objects.filter(user=user).select_related("film").order_by("added_at", "id"):
        files["watchlist.csv"].append(base(_day(item.added_at), item.film))
    return files


def export_member(*, user) -> bytes:
    """A zip in Letterboxd's export layout."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in export_rows(user=user).items():
            text = io.StringIO(newline="")
            csv.writer(text, lineterminator="\n").writerows(rows)
            archive.writestr(name, text.getvalue())
    return buffer.getvalue()
