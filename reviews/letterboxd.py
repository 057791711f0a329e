"""Letterboxd export zips: import one into a member's ratings, likes, diary, watched films, watchlist,
reviews and lists, and write a member's data back in the same layout.

Reading and checking the files is ``letterboxd_parse`` (nothing written; any problem raises
LetterboxdError); matching rows to films is ``letterboxd_match``; here everything is written in one
transaction, merging rows the member already has.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog.models import Film
from cineaesthete.progress import Progress, no_progress
from reviews.sentiment.services import review_sentiment_enqueue

from . import services
from .letterboxd_match import candidates, match_all
from .letterboxd_parse import (
    FILES,
    LIKES,
    LIST_COLUMNS,
    LIST_HEADER,
    LIST_MAGIC,
    Export,
    ListFile,
    Row,
    is_list_file,
    parse_archive,
)
from .models import DiaryEntry, FilmList, FilmListEntry, LetterboxdFilm, Rating, Review, WatchlistEntry

MAX_UNMATCHED_IN_REPORT = 500
MAX_CANDIDATE_LOOKUPS = 100


# --- matching -----------------------------------------------------------------------------------------


def match_films(rows: Iterable[Row]) -> None:
    """Set ``row.film`` for every row whose film the catalogue holds (a few queries in all)."""
    rows = list(rows)
    for row, film in zip(rows, match_all(row.wanted() for row in rows), strict=True):
        row.film = film


# --- import -------------------------------------------------------------------------------------------


def _at(date: datetime.date) -> datetime.datetime:
    # Noon, so the date survives any time zone a reader uses.
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(12)))


def _day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


CREATED_KEYS = ("ratings", "likes", "watched", "diary entries", "reviews", "watchlist entries", "list entries")
# Files whose Letterboxd URI names the film (in diary and reviews it names one viewing).
_FILM_URI_FILES = {"watched.csv", "ratings.csv", "watchlist.csv", LIKES}
_LETTERBOXD_HOSTS = {"boxd.it", "letterboxd.com", "www.letterboxd.com"}


def import_archive(*, user, upload: IO[bytes], progress: Progress = no_progress, dry_run: bool = False) -> dict:
    """Import a Letterboxd export for ``user``; returns the report. Raises LetterboxdError (nothing imported).

    With ``dry_run`` everything is parsed and matched, and the report says what would be created, but the
    transaction is rolled back.
    """
    export = parse_archive(upload)
    match_films(export.all_rows())
    with transaction.atomic():
        created = write_rows(user=user, export=export, progress=progress)
        _learn_links(export.all_rows())
        if dry_run:
            transaction.set_rollback(True)
    return {
        "files": {
            name: {
                "rows": len(rows),
                "matched": sum(1 for row in rows if row.film),
                "unmatched": sum(1 for row in rows if not row.film),
            }
            for name, rows in export.files.items()
        },
        "created": created,
        "unmatched": unmatched_report(export),
        "lists": list_meta(export),
        "dry_run": dry_run,
    }


def _learn_links(rows: list[Row]) -> None:
    """Remember Letterboxd's address of films matched by id or by title, so exports give it back. A link
    learnt here is not trusted: it is only believed later when the row's name and year agree with it."""
    links = {
        row.film.pk: row.uri
        for row in rows
        if row.film and row.file in _FILM_URI_FILES and urlsplit(row.uri).netloc.lower() in _LETTERBOXD_HOSTS
    }
    known = LetterboxdFilm.objects.filter(Q(film_id__in=links) | Q(uri__in=links.values()))
    existing_films, existing_uris = set(), set()
    for film_id, uri in known.values_list("film_id", "uri"):
        existing_films.add(film_id)
        existing_uris.add(uri)
    LetterboxdFilm.objects.bulk_create(
        [
            LetterboxdFilm(film_id=film_id, uri=uri)
            for film_id, uri in links.items()
            if film_id not in existing_films and uri not in existing_uris
        ]
    )


def write_rows(*, user, export: Export, progress: Progress = no_progress) -> dict[str, int]:
    """Write the matched rows (call inside a transaction); rows already present are merged, not repeated.
    A few bulk statements per file, not one per row: an export of thousands of films stays quick."""
    files = export.files
    total = sum(len(rows) for rows in files.values())
    done = 0
    created = dict.fromkeys(CREATED_KEYS, 0)

    def step(stage: str, count: int) -> None:
        nonlocal done
        done += count
        progress(stage, done, total)

    # Ratings: watched films, stars and likes all land on the member's one row per film.
    ratings = {r.film_id: r for r in Rating.objects.filter(user=user)}
    new_ratings: dict[int, Rating] = {}
    changed: set[int] = set()

    def rating_for(row: Row) -> Rating:
        rating = ratings.get(row.film.pk)
        if rating is None:
            rating = ratings[row.film.pk] = new_ratings[row.film.pk] = Rating(
                user=user, film=row.film, created_at=_at(row.date), updated_at=_at(row.date)
            )
        return rating

    for row in files.get("watched.csv", []):
        if row.film and row.film.pk not in ratings:
            rating_for(row)
            created["watched"] += 1
    for row in files.get("ratings.csv", []):
        if row.film:
            rating = rating_for(row)
            if rating.stars is None:
                created["ratings"] += 1
            rating.stars = row.stars
            rating.updated_at = _at(row.date)
            changed.add(row.film.pk)
    for row in files.get(LIKES, []):
        if row.film and not (rating := rating_for(row)).liked:
            rating.liked = True
            changed.add(row.film.pk)
            created["likes"] += 1
    Rating.objects.bulk_create(new_ratings.values(), batch_size=1000)
    Rating.objects.bulk_update(
        [ratings[film_id] for film_id in changed if film_id not in new_ratings],
        ["stars", "liked", "updated_at"],
        batch_size=1000,
    )
    step("ratings", sum(len(files.get(name, [])) for name in ("watched.csv", "ratings.csv", LIKES)))

    # "Make new diary entries private" covers imported viewings and their reviews too (ratings, watched films and
    # likes are the member's public lists on Letterboxd and stay as they are).
    private = bool(user.diary_private_by_default)
    diary_by_uri = {e.letterboxd_uri: e for e in DiaryEntry.objects.filter(user=user).exclude(letterboxd_uri="")}
    diary_by_key = {(e.film_id, e.watched_on, _day(e.created_at)): e for e in DiaryEntry.objects.filter(user=user)}
    new_entries: list[DiaryEntry] = []
    for row in files.get("diary.csv", []):
        if row.film:
            entry = diary_by_uri.get(row.uri) if row.uri else None
            entry = entry or diary_by_key.get((row.film.pk, row.watched_on or row.date, row.date))
            if entry is None:
                entry = DiaryEntry(
                    user=user,
                    film=row.film,
                    watched_on=row.watched_on or row.date,
                    rewatch=row.rewatch,
                    stars=row.stars,
                    tags=row.tags,
                    letterboxd_uri=row.uri,
                    is_private=private,
                    created_at=_at(row.date),
                )
                new_entries.append(entry)
                if row.uri:
                    diary_by_uri[row.uri] = entry
                diary_by_key[(row.film.pk, entry.watched_on, row.date)] = entry
    DiaryEntry.objects.bulk_create(new_entries, batch_size=1000)
    created["diary entries"] = len(new_entries)
    step("diary", len(files.get("diary.csv", [])))

    reviews_by_uri = {r.letterboxd_uri: r for r in Review.objects.filter(user=user).exclude(letterboxd_uri="")}
    reviews_by_text = {(r.film_id, r.text.strip()): r for r in Review.objects.filter(user=user)}
    new_reviews: list[Review] = []
    reviewed: list[tuple[Row, Review]] = []
    for row in files.get("reviews.csv", []):
        if row.film:
            review = (reviews_by_uri.get(row.uri) if row.uri else None) or reviews_by_text.get(
                (row.film.pk, row.review)
            )
            if review is None:
                # Letterboxd dates every review: it keeps its own date, not the day of the import.
                review = Review(
                    user=user,
                    film=row.film,
                    text=row.review,
                    stars=row.stars,
                    letterboxd_uri=row.uri,
                    is_private=private,
                    created_at=_at(row.date),
                    updated_at=_at(row.date),
                )
                new_reviews.append(review)
                reviews_by_text[(row.film.pk, review.text)] = review
                if row.uri:
                    reviews_by_uri[row.uri] = review
            reviewed.append((row, review))
    Review.objects.bulk_create(new_reviews, batch_size=500)
    created["reviews"] = len(new_reviews)
    for review in new_reviews:
        review_sentiment_enqueue(review_id=review.pk)
    linked: list[DiaryEntry] = []
    for row, review in reviewed:
        # On Letterboxd a review belongs to a diary entry (same URI, or same film and viewing date).
        entry = (diary_by_uri.get(row.uri) if row.uri else None) or (
            diary_by_key.get((row.film.pk, row.watched_on, row.date)) if row.watched_on else None
        )
        if entry is not None and entry.review_id is None:
            entry.review = review
            linked.append(entry)
    DiaryEntry.objects.bulk_update(linked, ["review"], batch_size=1000)
    step("reviews", len(files.get("reviews.csv", [])))

    on_watchlist = set(WatchlistEntry.objects.filter(user=user).values_list("film_id", flat=True))
    new_watchlist = []
    for row in files.get("watchlist.csv", []):
        if row.film and row.film.pk not in on_watchlist:
            on_watchlist.add(row.film.pk)
            new_watchlist.append(WatchlistEntry(user=user, film=row.film, added_at=_at(row.date)))
    WatchlistEntry.objects.bulk_create(new_watchlist, batch_size=1000)
    created["watchlist entries"] = len(new_watchlist)
    step("watchlist", len(files.get("watchlist.csv", [])))

    for path, rows in files.items():
        # A list comes over even when empty or none of its films matched (picking them later fills it).
        if (list_file := export.lists.get(path)) is not None:
            created["list entries"] += _write_list(user=user, list_file=list_file, rows=rows)
            step("lists", len(rows))
    services.film_rating_stats_refresh(film_ids={row.film.pk for row in files.get("ratings.csv", []) if row.film})
    return created


def _write_list(*, user, list_file: ListFile, rows: list[Row]) -> int:
    """Add the matched films to the member's list of that title (created private: Letterboxd's export
    does not say who could see it)."""
    film_list = FilmList.objects.filter(user=user, title=list_file.title).first()
    if film_list is None:
        film_list = services.list_create(
            user=user, title=list_file.title, description=list_file.description, is_public=False
        )
    present = set(FilmListEntry.objects.filter(film_list=film_list).values_list("film_id", flat=True))
    added = 0
    for row in sorted(rows, key=lambda r: (r.position or 0, r.line)):
        if row.film and row.film.pk not in present:
            services.list_add(film_list=film_list, film=row.film, note=row.note)
            present.add(row.film.pk)
            added += 1
    return added


def unmatched_report(export: Export) -> list[dict[str, Any]]:
    """One entry per film name and year that matched nothing: the closest catalogue films, and the rows
    (kept so that picking the film later imports them)."""
    entries: dict[tuple[str, int | None], dict[str, Any]] = {}
    for row in export.all_rows():
        if row.film is not None:
            continue
        entry = entries.get((row.name, row.year))
        if entry is None:
            if len(entries) >= MAX_UNMATCHED_IN_REPORT:
                continue
            entry = entries[(row.name, row.year)] = {
                "name": row.name,
                "year": row.year,
                "file": row.file,
                "rows": [],
                "candidates": [],
                "resolved_film": None,
            }
        entry["rows"].append(row.to_json())
    for n, entry in enumerate(entries.values()):
        if n < MAX_CANDIDATE_LOOKUPS:
            entry["candidates"] = [
                {"id": film.pk, "title": film.title, "year": film.year}
                for film in candidates(name=entry["name"], year=entry["year"])
            ]
    return list(entries.values())


def import_rows(*, user, rows: list[dict[str, Any]], film: Film, lists: dict[str, dict[str, str]]) -> dict[str, int]:
    """Import rows kept in a report, now that the member has said which film they are."""
    parsed = [Row.from_json(data) for data in rows]
    for row in parsed:
        row.film = film
    export = Export(files={}, lists={})
    for row in parsed:
        export.files.setdefault(row.file, []).append(row)
        if is_list_file(row.file) and row.file in lists:
            meta = lists[row.file]
            export.lists[row.file] = ListFile(
                file=row.file, title=meta["title"], description=meta["description"], rows=[]
            )
    return write_rows(user=user, export=export)


def list_meta(export: Export) -> dict[str, dict[str, str]]:
    return {path: {"title": f.title, "description": f.description} for path, f in export.lists.items()}


# --- export -------------------------------------------------------------------------------------------


def _stars_text(stars: Decimal | None) -> str:
    if stars is None:
        return ""
    return str(int(stars)) if stars % 1 == 0 else f"{stars:.1f}"


def export_rows(*, user) -> dict[str, list[list[str]]]:
    """The member's data as Letterboxd CSV rows (header first), file name → rows. Likes and lists only
    appear when the member has some."""
    site = settings.SITE_URL.rstrip("/")
    film_uris = dict(LetterboxdFilm.objects.filter(film__ratings__user=user).values_list("film_id", "uri"))
    film_uris.update(LetterboxdFilm.objects.filter(film__watchlist_entries__user=user).values_list("film_id", "uri"))

    def film_uri(film: Film) -> str:
        return film_uris.get(film.pk) or f"{site}{film.get_absolute_url()}"

    def base(date: datetime.date, film: Film, uri: str | None = None) -> list[str]:
        return [date.isoformat(), film.title, str(film.year or ""), uri or film_uri(film)]

    files: dict[str, list[list[str]]] = {name: [columns] for name, columns in FILES.items() if name != LIKES}
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
    if liked := [rating for rating in ratings if rating.liked]:
        files[LIKES] = [FILES[LIKES], *(base(_day(rating.updated_at), rating.film) for rating in liked)]
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
    for film_list in FilmList.objects.filter(user=user).prefetch_related("entries__film").order_by("id"):
        files[f"lists/{film_list.slug}.csv"] = [
            [f"{LIST_MAGIC} v7"],
            LIST_HEADER,
            [_day(film_list.created_at).isoformat(), film_list.title, "", "", film_list.description],
            [],
            LIST_COLUMNS,
            *(
                [str(n), entry.film.title, str(entry.film.year or ""), film_uri(entry.film), entry.note]
                for n, entry in enumerate(film_list.entries.all(), start=1)
            ),
        ]
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


# --- trusted links ------------------------------------------------------------------------------------


def links_trust(*, links: Iterable[tuple[int, str]]) -> int:
    """Record curated Letterboxd addresses (film id, URI) as trusted: they are believed even when a row's
    name differs (a translated title, say), and replace whatever an upload taught for that film or URI."""
    links = {film_id: uri.strip() for film_id, uri in links}
    with transaction.atomic():
        LetterboxdFilm.objects.filter(Q(film_id__in=links) | Q(uri__in=links.values()), trusted=False).delete()
        LetterboxdFilm.objects.bulk_create(
            [LetterboxdFilm(film_id=film_id, uri=uri, trusted=True) for film_id, uri in links.items()],
            update_conflicts=True,
            unique_fields=["film"],
            update_fields=["uri", "trusted"],
        )
    return len(links)
