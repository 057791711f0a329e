"""The IMDb audience reviews of the Large Movie Review Dataset (Maas et al. 2011) as demo reviews.

Each review becomes a Review by its own imported member (the data set has no reviewer ids, so one member
per review: username ``imdb-pos-123``), with the 1–10 rating kept as ``source_rating`` and as half stars.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Film

from . import services
from .models import Review

BREAKS = re.compile(r"(?:\s*<br\s*/?>\s*)+", re.IGNORECASE)


def clean_text(text: str) -> str:
    """IMDb's ``<br /><br />`` become blank lines (paragraphs); other markup stays text, escaped on display."""
    return BREAKS.sub("\n\n", text).strip()


def _open(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8")


def import_imdb_reviews(*, path: Path, links_path: Path, log: Callable[[str], None] | None = None) -> dict:
    """``log`` hears one line of text about the import (not a ``cineaesthete.progress.Progress``)."""
    say = log or (lambda message: None)
    films_by_imdb = dict(Film.objects.exclude(imdb_id=None).values_list("imdb_id", "pk"))
    films_by_movielens = dict(Film.objects.exclude(movielens_id=None).values_list("movielens_id", "pk"))
    with links_path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("imdbId", "").isdigit() and row["movieId"].isdigit():
                film_id = films_by_movielens.get(int(row["movieId"]))
                if film_id:
                    films_by_imdb.setdefault(f"tt{int(row['imdbId']):07d}", film_id)
    existing = set(Review.objects.filter(imported_from="imdb").values_list("external_id", flat=True))
    wanted: list[dict] = []
    unmatched = already = refused = 0
    with _open(path) as lines:
        for line in lines:
            record = json.loads(line)
            film_id = films_by_imdb.get(record.get("imdb_id", ""))
            if film_id is None:
                unmatched += 1
                continue
            external_id = f"{record.get('split', 'train')}-{record['label']}-{record['id']}"
            if external_id in existing:
                already += 1
                continue
            try:
                # The same checks as a member's own review (length, no NUL): one path for all review text.
                text = services.review_text_clean(clean_text(record.get("text", "")))
            except ValidationError:
                refused += 1
                continue
            wanted.append({**record, "text": text, "film_id": film_id, "external_id": external_id})
    say(f"{len(wanted)} reviews to import, {already} already imported, {refused} refused.")
    if wanted:
        _create(wanted)
    films = Review.objects.filter(imported_from="imdb").values("film").distinct().count()
    return {"created": len(wanted), "existing": already, "unmatched": unmatched, "refused": refused, "films": films}


def _create(records: list[dict]) -> None:
    User = get_user_model()
    now = timezone.now()
    with transaction.atomic():
        User.objects.bulk_create(
            [
                User(
                    username=f"imdb-{record['external_id']}"[:150],
                    display_name=f"IMDb reviewer #{record['id']}",
                    imported_from="imdb",
                    external_id=record["external_id"],
                    password="!",  # unusable: imported members cannot log in
                    is_active=True,
                )
                for record in records
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
        members = dict(
            User.objects.filter(imported_from="imdb", external_id__in=[r["external_id"] for r in records]).values_list(
                "external_id", "pk"
            )
        )
        Review.objects.bulk_create(
            [
                Review(
                    user_id=members[record["external_id"]],
                    film_id=record["film_id"],
                    text=record["text"],
                    stars=Decimal(int(record["rating"])) / 2 if record.get("rating") else None,
                    source_rating=record.get("rating"),
                    imported_from="imdb",
                    external_id=record["external_id"],
                    # The data set has no review dates: pages say "imported" instead of this day.
                    date_known=False,
                    created_at=now,
                    updated_at=now,
                )
                for record in records
            ],
            ignore_conflicts=True,
            batch_size=2000,
        )
