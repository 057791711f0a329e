"""Reading a Letterboxd export zip: check the archive, then parse and check every file, writing nothing.

Any problem raises LetterboxdError with a message naming the file and line. Every imported text goes
through the same cleaners as the forms and the API (``reviews.services``), so an import cannot store what
a member could not type. The archive is inspected before anything is decompressed: too many members, too
much uncompressed data, or a suspicious compression ratio (a zip bomb) is refused.

Letterboxd's columns: Date, Name, Year, Letterboxd URI, Rating, Rewatch, Tags, Watched Date, Review
(optional tmdbID / imdbID columns are used for matching when present). A list file starts with a line
"Letterboxd list export v7", the list's own row (Date, Name, Tags, URL, Description), a blank line, then
its films (Position, Name, Year, URL, Description).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from catalog.models import Film

from . import services
from .letterboxd_match import Wanted

MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 2000
MAX_RATIO = 200  # CSV text compresses 5–20x; a bomb compresses hundreds or thousands of times
# A keen member of ten years has a few thousand films and diary entries; these leave room for ten times that.
MAX_ROWS = 50_000
MAX_LISTS = 500
MAX_NAME = 300
MAX_URI = 200
MAX_LIST_DESCRIPTION = 5000
MAX_LIST_NOTE = 1000

BASE_COLUMNS = ["Date", "Name", "Year", "Letterboxd URI"]
LIKES = "likes/films.csv"
FILES: dict[str, list[str]] = {
    "watched.csv": BASE_COLUMNS,
    "ratings.csv": [*BASE_COLUMNS, "Rating"],
    "diary.csv": [*BASE_COLUMNS, "Rating", "Rewatch", "Tags", "Watched Date"],
    "reviews.csv": [*BASE_COLUMNS, "Rating", "Rewatch", "Review", "Tags", "Watched Date"],
    "watchlist.csv": BASE_COLUMNS,
    LIKES: BASE_COLUMNS,
}
REQUIRED: dict[str, set[str]] = {
    "watched.csv": {"Name", "Date"},
    "ratings.csv": {"Name", "Date", "Rating"},
    "diary.csv": {"Name", "Date", "Watched Date"},
    "reviews.csv": {"Name", "Date", "Review"},
    "watchlist.csv": {"Name", "Date"},
    LIKES: {"Name", "Date"},
}
LIST_MAGIC = "Letterboxd list export"
LIST_COLUMNS = ["Position", "Name", "Year", "URL", "Description"]
LIST_HEADER = ["Date", "Name", "Tags", "URL", "Description"]


class LetterboxdError(Exception):
    """The archive is refused; the message says why, for the member."""


def is_list_file(path: str) -> bool:
    parts = path.strip("/").split("/")
    return len(parts) == 2 and parts[0] == "lists" and parts[1].lower().endswith(".csv") and len(parts[1]) > 4


# --- the archive --------------------------------------------------------------------------------------


def check_archive(upload: IO[bytes]) -> dict[str, zipfile.ZipInfo]:
    """Open the zip and check its table of contents; return the known CSV members by path."""
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
        path = info.filename.strip("/")
        # Top-level files, likes/films.csv and lists/*.csv (deleted/ and orphaned/ hold what the member removed).
        if path.lower() in FILES:
            known[path.lower()] = info
        elif is_list_file(path):
            known[path] = info
    if not known:
        raise LetterboxdError(
            "No Letterboxd files found: expected ratings.csv, diary.csv, watched.csv, watchlist.csv or reviews.csv."
        )
    if sum(1 for path in known if is_list_file(path)) > MAX_LISTS:
        raise LetterboxdError(f"The export holds more than {MAX_LISTS} lists.")
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
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LetterboxdError(f"{info.filename} is not a UTF-8 CSV file.") from None
    if "\x00" in text:
        # PostgreSQL cannot store NUL in text, and no film name or review contains one.
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise LetterboxdError(f"{info.filename}, line {line}: contains a NUL byte; refused.")
    return text


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
    position: int | None = None
    note: str = ""
    film: Film | None = None

    def wanted(self) -> Wanted:
        return Wanted(name=self.name, year=self.year, uri=self.uri, tmdb_id=self.tmdb_id, imdb_id=self.imdb_id)

    def to_json(self) -> dict[str, Any]:
        """The row as JSON, to keep an unmatched row in the report until the member picks its film."""
        data = asdict(self, dict_factory=lambda items: {k: v for k, v in items if k != "film"})
        data["date"] = self.date.isoformat()
        data["watched_on"] = self.watched_on.isoformat() if self.watched_on else None
        data["stars"] = str(self.stars) if self.stars is not None else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Row:
        return cls(
            **{
                **data,
                "date": datetime.date.fromisoformat(data["date"]),
                "watched_on": datetime.date.fromisoformat(data["watched_on"]) if data.get("watched_on") else None,
                "stars": Decimal(data["stars"]) if data.get("stars") is not None else None,
            }
        )


@dataclass
class ListFile:
    """One of the member's lists: its title and description, and its films in order."""

    file: str
    title: str
    description: str
    rows: list[Row]


@dataclass
class Export:
    files: dict[str, list[Row]]
    lists: dict[str, ListFile]

    def all_rows(self) -> list[Row]:
        return [row for rows in self.files.values() for row in rows]


def _checked(where: str, clean: Callable[[Any], Any], value: Any) -> Any:
    """A value through the same cleaner the forms use; its refusal names the file and line."""
    try:
        return clean(value)
    except ValidationError as error:
        raise LetterboxdError(f"{where}: {' '.join(error.messages)}") from None


def _parse_date(value: str, where: str) -> datetime.date:
    value = value.strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, flags=re.ASCII):
            raise ValueError(value)
        date = datetime.date.fromisoformat(value)
    except ValueError:
        raise LetterboxdError(f"{where}: {value!r} is not a date (YYYY-MM-DD).") from None
    if date > timezone.localdate() + datetime.timedelta(days=1):
        raise LetterboxdError(f"{where}: {value} is in the future.")
    return date


def _parse_year(value: str, where: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    # ASCII digits only: "²".isdigit() is true but int("²") fails.
    if not re.fullmatch(r"\d{4}", value, flags=re.ASCII) or not 1870 <= int(value) <= 2100:
        raise LetterboxdError(f"{where}: {value!r} is not a year.")
    return int(value)


def _parse_name(value: str, where: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise LetterboxdError(f"{where}: the film has no name.")
    if len(name) > MAX_NAME:
        raise LetterboxdError(f"{where}: a film name longer than {MAX_NAME} characters.")
    return name


def _parse_uri(value: str, where: str) -> str:
    uri = value.strip()
    if len(uri) > MAX_URI:
        raise LetterboxdError(f"{where}: a link longer than {MAX_URI} characters.")
    return uri


def _csv_rows(file_name: str, text: str) -> Iterable[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for values in reader:
            yield reader.line_num, values
    except csv.Error as error:
        raise LetterboxdError(f"{file_name}, line {reader.line_num}: malformed CSV ({error}).") from None


def _records(file_name: str, lines: Iterable[tuple[int, list[str]]], required: set[str], budget: list[int]):
    """(line, column → value) for each non-blank row after the header; checks shape and the row budget."""
    header: list[str] | None = None
    for line, values in lines:
        if header is None:
            if not any(value.strip() for value in values):
                continue
            header = [column.strip() for column in values]
            missing = required - set(header)
            if missing:
                raise LetterboxdError(
                    f"{file_name} is not a Letterboxd file: it lacks the column{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(sorted(missing))}."
                )
            continue
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            raise LetterboxdError(
                f"{file_name}, line {line}: {len(values)} columns where the header has {len(header)}."
            )
        budget[0] += 1
        if budget[0] > MAX_ROWS:
            raise LetterboxdError(f"The export has more than {MAX_ROWS} rows.")
        yield line, dict(zip(header, values, strict=True))


def _parse_rows(file_name: str, text: str, budget: list[int] | None = None) -> list[Row]:
    budget = budget if budget is not None else [0]
    return [
        _row(file_name, line, record)
        for line, record in _records(file_name, _csv_rows(file_name, text), REQUIRED[file_name], budget)
    ]


def _row(file_name: str, line: int, record: dict[str, str]) -> Row:
    where = f"{file_name}, line {line}"
    stars = None
    if rating_text := record.get("Rating", "").strip():
        try:
            stars = services.parse_stars(rating_text)
        except ValidationError:
            raise LetterboxdError(f"{where}: {rating_text!r} is not a rating from 0.5 to 5.") from None
    if file_name == "ratings.csv" and stars is None:
        raise LetterboxdError(f"{where}: a rating row without a rating.")
    watched_text = record.get("Watched Date", "").strip()
    tmdb_text = (record.get("tmdbID") or record.get("TMDb ID") or "").strip()
    imdb_text = (record.get("imdbID") or record.get("IMDb ID") or "").strip()
    review = ""
    if file_name == "reviews.csv":
        review = _checked(where, services.review_text_clean, record.get("Review", ""))
    return Row(
        file=file_name,
        line=line,
        date=_parse_date(record.get("Date", ""), where),
        name=_parse_name(record.get("Name", ""), where),
        year=_parse_year(record.get("Year", ""), where),
        uri=_parse_uri(record.get("Letterboxd URI", ""), where),
        stars=stars,
        rewatch=record.get("Rewatch", "").strip().lower() in {"yes", "true", "1"},
        tags=_checked(where, services.tags_clean, record.get("Tags", "").split(",")),
        watched_on=_parse_date(watched_text, where) if watched_text else None,
        review=review,
        tmdb_id=int(tmdb_text) if re.fullmatch(r"\d{1,9}", tmdb_text, flags=re.ASCII) else None,
        imdb_id=_imdb_id(imdb_text),
    )


def _imdb_id(text: str) -> str:
    digits = text.lower().removeprefix("tt")
    return f"tt{int(digits):07d}" if re.fullmatch(r"\d{1,9}", digits, flags=re.ASCII) else ""


def _parse_list(file_name: str, text: str, budget: list[int]) -> ListFile:
    lines = iter(_csv_rows(file_name, text))
    first = next(lines, None)
    if first is None or not first[1] or not first[1][0].startswith(LIST_MAGIC):
        raise LetterboxdError(f"{file_name} is not a Letterboxd list (its first line should say {LIST_MAGIC!r}).")
    meta = None
    for line, record in _records(file_name, lines, {"Name"}, budget):
        meta = (line, record)
        break
    if meta is None:
        raise LetterboxdError(f"{file_name}: the list has no name.")
    where = f"{file_name}, line {meta[0]}"
    title = _checked(where, services.list_title_clean, meta[1].get("Name", ""))
    description = meta[1].get("Description", "").replace("\r\n", "\n").strip()
    if len(description) > MAX_LIST_DESCRIPTION:
        raise LetterboxdError(f"{where}: a list description longer than {MAX_LIST_DESCRIPTION} characters.")
    list_date_text = meta[1].get("Date", "").strip()
    list_date = _parse_date(list_date_text, where) if list_date_text else timezone.localdate()
    rows = []
    for line, record in _records(file_name, lines, {"Name", "Position"}, budget):
        where = f"{file_name}, line {line}"
        position = record.get("Position", "").strip()
        if not re.fullmatch(r"\d{1,6}", position, flags=re.ASCII):
            raise LetterboxdError(f"{where}: {position!r} is not a position in the list.")
        note = record.get("Description", "").replace("\r\n", "\n").strip()
        if len(note) > MAX_LIST_NOTE:
            raise LetterboxdError(f"{where}: a note longer than {MAX_LIST_NOTE} characters.")
        rows.append(
            Row(
                file=file_name,
                line=line,
                date=list_date,
                name=_parse_name(record.get("Name", ""), where),
                year=_parse_year(record.get("Year", ""), where),
                uri=_parse_uri(record.get("URL", ""), where),
                position=int(position),
                note=note,
            )
        )
    return ListFile(file=file_name, title=title, description=description, rows=rows)


def parse_archive(upload: IO[bytes]) -> Export:
    """Every known file's rows, checked; raises LetterboxdError on the first problem."""
    known = check_archive(upload)
    archive = zipfile.ZipFile(upload)
    total = 0
    budget = [0]
    export = Export(files={}, lists={})
    for path in [*(name for name in FILES if name in known), *sorted(p for p in known if is_list_file(p))]:
        text = _read_member(archive, known[path])
        total += len(text)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise LetterboxdError("The export is larger than the import limit.")
        if is_list_file(path):
            export.lists[path] = _parse_list(path, text, budget)
            export.files[path] = export.lists[path].rows
        else:
            export.files[path] = _parse_rows(path, text, budget)
    return export
