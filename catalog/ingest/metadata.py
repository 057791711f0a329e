"""Reader for the MeLU per-film metadata file (``ml-1m-extra/movies_extrainfos.dat``).

One film a line, UTF-8, ``::``-separated:
``id::title::year::MPAA::released::genres::director::writers::actors::plot::poster_url``.
Lists are comma-separated; "N/A" means unknown; a name may carry a note in brackets
("Pete Docter (original story by)", "Ash Brannon(co-director)").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .errors import IngestError
from .movielens import decode
from .source import DataSource

FIELDS = 11
_NOTE = re.compile(r"^(?P<name>.*?)\s*\((?P<note>[^()]*)\)\s*$")
_RUNTIME = re.compile(r"^(\d{1,3})\s*min$")
UNKNOWN = {"", "N/A", "n/a", "NA"}


@dataclass(frozen=True)
class Name:
    name: str
    note: str = ""


@dataclass
class FilmMetadata:
    movielens_id: int
    title: str
    year: int | None
    certificate: str
    release_date: dt.date | None
    plot: str
    directors: list[Name] = field(default_factory=list)
    writers: list[Name] = field(default_factory=list)
    actors: list[Name] = field(default_factory=list)
    runtime_minutes: int | None = None
    poster_url: str = ""


def _known(text: str) -> str:
    text = text.strip()
    return "" if text in UNKNOWN else text


def parse_names(text: str) -> list[Name]:
    """ "A, B (screenplay), B (story)" → [A, B (screenplay, story)]: one entry per person, notes merged."""
    names: dict[str, Name] = {}
    for part in _known(text).split(","):
        part = " ".join(part.split())
        if not part or part in UNKNOWN:
            continue
        match = _NOTE.match(part)
        name, note = (match["name"].strip(), match["note"].strip()) if match else (part, "")
        if not name:
            continue
        if name in names:
            earlier = names[name]
            if note and note not in earlier.note.split(", "):
                names[name] = Name(name, f"{earlier.note}, {note}" if earlier.note else note)
        else:
            names[name] = Name(name, note)
    return list(names.values())


def parse_release_date(text: str, *, file: str, line: int) -> dt.date | None:
    text = _known(text)
    if not text:
        return None
    for layout in ("%d %b %Y", "%Y-%m-%d", "%d %B %Y"):
        try:
            return dt.datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise IngestError(f"release date {text!r} is not like '22 Nov 1995'", file=file, line=line)


def parse_line(line: str, *, file: str, number: int) -> FilmMetadata:
    fields = line.split("::")
    if len(fields) != FIELDS:
        raise IngestError(f"expected {FIELDS} '::'-separated fields, found {len(fields)}", file=file, line=number)
    movie_id, title, year, mpaa, released, _genres, directors, writers, actors, plot, poster_url = fields
    try:
        movielens_id = int(movie_id)
    except ValueError:
        raise IngestError(f"movie id {movie_id!r} is not a whole number", file=file, line=number) from None
    year_text = _known(year)[:4]
    return FilmMetadata(
        movielens_id=movielens_id,
        title=_known(title),
        year=int(year_text) if year_text.isdigit() else None,
        certificate=_known(mpaa)[:20],
        release_date=parse_release_date(released, file=file, line=number),
        plot=_known(plot),
        directors=parse_names(directors),
        writers=parse_names(writers),
        actors=parse_names(actors),
        poster_url=_known(poster_url),
    )


def read_metadata(source: DataSource, name: str) -> Iterator[FilmMetadata]:
    file = source.label(name)
    with source.open_binary(name) as stream:
        for number, raw in enumerate(stream, start=1):
            line = decode(raw).rstrip("\r\n")
            if line.strip():
                yield parse_line(line, file=file, number=number)
