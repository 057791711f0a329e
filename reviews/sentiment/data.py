"""Reading labelled reviews in the mirror's JSONL layout (`label` pos/neg, `text`), gzipped or not."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from reviews.sentiment.text import strip_html


@dataclass(frozen=True)
class LabelledReviews:
    texts: list[str]
    labels: list[int]  # 1 = positive, 0 = negative


def default_training_file() -> Path:
    return Path(settings.DATA_MIRROR) / "imdb-reviews" / "train.jsonl.gz"


def read_labelled(path: Path, *, limit: int | None = None) -> LabelledReviews:
    """Rows whose label is pos/neg (others are skipped); texts come back with HTML stripped."""
    opener = gzip.open if path.suffix == ".gz" else open
    texts: list[str] = []
    labels: list[int] = []
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
            if limit is not None and len(texts) >= limit:
                break
    return LabelledReviews(texts=texts, labels=labels)
