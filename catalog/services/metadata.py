"""Film metadata from a MeLU file: plots, certificates, release dates, and credits with their people.

Matched on movielens_id; atomic; a re-run with the same file writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from cineaesthete.progress import Progress, no_progress

from ..ingest.metadata import FilmMetadata, read_metadata
from ..ingest.source import DataSource
from ..models import Credit, Film, Person
from ..titles import name_key
from .base import chunks


@dataclass
class MetadataSummary:
    lines: int = 0
    films: int = 0
    films_updated: int = 0
    not_in_catalogue: int = 0
    people_created: int = 0
    credits: int = 0
    seconds: float = 0.0


def film_metadata_ingest(*, path: Path, progress: Progress = no_progress) -> MetadataSummary:
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
    for chunk in chunks(keys, 10_000):
        ids.update(Person.objects.filter(name_key__in=chunk).values_list("name_key", "id"))
    missing = [Person(name=by_key[key], name_key=key) for key in keys if key not in ids]
    Person.objects.bulk_create(missing, ignore_conflicts=True, batch_size=2000)
    for chunk in chunks([person.name_key for person in missing], 10_000):
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
        for pk, film_id, person_id, role, order, character in Credit.objects.filter(
            # Crew credits come from TMDb (catalog.tmdb.sync); this file's roles are its own.
            film_id__in=film_ids,
            role__in=[Credit.Role.DIRECTOR, Credit.Role.WRITER, Credit.Role.CAST],
        ).values_list("id", "film_id", "person_id", "role", "order", "character")
    }
    stale = [pk for key, (pk, _, _) in current.items() if key not in wanted]
    for chunk in chunks(stale, 10_000):
        Credit.objects.filter(id__in=chunk).delete()
    upserts = [
        Credit(film_id=film_id, person_id=person_id, role=role, order=order, character=character)
        for (film_id, person_id, role), (order, character) in wanted.items()
        if current.get((film_id, person_id, role), (None,))[1:] != (order, character)
    ]
    Credit.objects.bulk_create(
        upserts,
        update_conflicts=True,
        unique_fields=["film", "person", "role", "job"],
        update_fields=["order", "character"],
        batch_size=2000,
    )
    return len(wanted)
