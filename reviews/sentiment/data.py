"""Reading labelled reviews in the mirror's JSONL layout (`label` pos/neg, `text`), gzipped or not."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from catalog.models import Film
from reviews.sentiment.text import strip_html


@dataclass(frozen=True)
class LabelledReviews:
    texts: list[str]
    labels: list[int]  # 1 = positive, 0 = negative
    films: list[str] = field(default_factory=list)  # the IMDb id of each review's film ("" when unknown)

    def subset(self, keep: Sequence[bool]) -> LabelledReviews:
        chosen = [i for i, wanted in enumerate(keep) if wanted]
        return LabelledReviews(
            texts=[self.texts[i] for i in chosen],
            labels=[self.labels[i] for i in chosen],
            films=[self.films[i] for i in chosen],
        )


# Reviews of films outside the catalogue are split by film, so no film has reviews on both sides:
# a share of them is the held-out test set (never trained or tuned on), another the validation set for tuning.
TEST_BUCKETS, VALIDATION_BUCKETS = frozenset({0, 1}), frozenset({2})


def film_bucket(imdb_id: str) -> int:
    """A stable bucket 0-9 for a film, the same on every machine and in every run."""
    return int(hashlib.sha256(imdb_id.encode()).hexdigest()[:8], 16) % 10


def split_of(imdb_id: str, *, catalogue: Collection[str]) -> str:
    """ "catalogue" (reviews the site shows: never trained on), "test", "validation" or "train"."""
    if imdb_id in catalogue:
        return "catalogue"
    bucket = film_bucket(imdb_id)
    if bucket in TEST_BUCKETS:
        return "test"
    return "validation" if bucket in VALIDATION_BUCKETS else "train"


def catalogue_imdb_ids(*, links_path: Path | None = None) -> set[str]:
    """IMDb ids of the catalogue's films: their own, and those links.csv gives for their MovieLens ids."""
    ids = set(Film.objects.exclude(imdb_id=None).values_list("imdb_id", flat=True))
    links_path = links_path or Path(settings.DATA_MIRROR) / "links" / "links.csv"
    movielens = set(Film.objects.exclude(movielens_id=None).values_list("movielens_id", flat=True))
    if movielens and links_path.exists():
        with links_path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                movie, imdb = row.get("movieId", ""), row.get("imdbId", "")
                if movie.isdigit() and imdb.isdigit() and int(movie) in movielens:
                    ids.add(f"tt{int(imdb):07d}")
    return ids


def default_training_file() -> Path:
    return Path(settings.DATA_MIRROR) / "imdb-reviews" / "train.jsonl.gz"


def read_labelled(path: Path, *, limit: int | None = None) -> LabelledReviews:
    """Rows whose label is pos/neg (others are skipped); texts come back with HTML stripped."""
    opener = gzip.open if path.suffix == ".gz" else open
    texts: list[str] = []
    labels: list[int] = []
    films: list[str] = []
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            row = json.loads(line)
            label = str(row.get("label", "")).lower()
            if label not in ("pos", "neg"):
                continue
            texts.append(strip_html(str(row.get("text", ""))))
            labels.append(1 if label == "pos" else 0)
            films.append(str(row.get("imdb_id") or ""))
            if limit is not None and len(texts) >= limit:
                break
    return LabelledReviews(texts=texts, labels=labels, films=films)
