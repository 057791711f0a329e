"""Training the NB-SVM classifier from a labelled JSONL file and saving its artifact."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reviews.sentiment import nbsvm
from reviews.sentiment.analysers import classifier_artifact_path, reset_default_analyser
from reviews.sentiment.data import default_training_file, read_labelled

logger = logging.getLogger(__name__)


@dataclass
class TrainingResult:
    path: Path
    size_bytes: int
    c: float
    trained_on: int
    seconds: float
    version: str
    cv_accuracy: dict[float, float] = field(default_factory=dict)  # mean accuracy per C, when tuned


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def train_classifier(
    *,
    data: Path | None = None,
    output: Path | None = None,
    c: float = nbsvm.DEFAULT_C,
    tune: bool = False,
    c_values: Sequence[float] = (0.3, 1.0, 3.0),
    folds: int = 5,
    limit: int | None = None,
    log: Callable[[str], None] = logger.info,
) -> TrainingResult:
    """Train on `data` (default: the mirror's IMDb training file) and save to `output` (default: MODEL_DIR).

    With `tune`, C is chosen by stratified k-fold cross-validation on the same file before the final fit.
    """
    data = data or default_training_file()
    output = output or classifier_artifact_path()
    started = time.perf_counter()
    reviews = read_labelled(data, limit=limit)
    if len(reviews.texts) < 4 or len(set(reviews.labels)) < 2:
        raise ValueError(f"{data} has too few labelled reviews (need both pos and neg)")
    log(f"read {len(reviews.texts)} labelled reviews from {data}")
    cv_accuracy: dict[float, float] = {}
    if tune:
        per_fold = nbsvm.cross_validate(reviews.texts, reviews.labels, c_values=c_values, folds=folds)
        cv_accuracy = {value: float(np.mean(scores)) for value, scores in per_fold.items()}
        for value, accuracy in cv_accuracy.items():
            log(f"  C={value:g}: {folds}-fold accuracy {accuracy:.4f}")
        c = max(cv_accuracy, key=cv_accuracy.get)
        log(f"chose C={c:g}")
    model = nbsvm.train(
        reviews.texts,
        reviews.labels,
        c=c,
        extra_meta={
            "data": data.name,
            "data_sha256": file_digest(data),
            "cv_accuracy": {f"{k:g}": round(v, 4) for k, v in cv_accuracy.items()},
        },
    )
    size = model.save(output)
    reset_default_analyser()
    seconds = time.perf_counter() - started
    log(f"saved {output} ({size / 1e6:.2f} MB, version {model.version}) in {seconds:.1f}s")
    return TrainingResult(
        path=output,
        size_bytes=size,
        c=c,
        trained_on=len(reviews.texts),
        seconds=seconds,
        version=model.version,
        cv_accuracy=cv_accuracy,
    )


def ensure_classifier(*, log: Callable[[str], None] = logger.info) -> bool:
    """Train the classifier if its artifact is missing and the training data is at hand; True if it exists."""
    if classifier_artifact_path().exists():
        return True
    if not default_training_file().exists():
        log(f"no sentiment artifact and no training data at {default_training_file()}: using VADER")
        return False
    train_classifier(log=log)
    return True
