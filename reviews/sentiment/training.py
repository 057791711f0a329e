"""Training the NB-SVM classifier from a labelled JSONL file and saving its artifact."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from reviews.sentiment import nbsvm
from reviews.sentiment.analysers import classifier_artifact_path, reset_default_analyser
from reviews.sentiment.data import (
    LabelledReviews,
    catalogue_imdb_ids,
    default_training_file,
    read_labelled,
    split_of,
)

logger = logging.getLogger(__name__)


@dataclass
class TrainingResult:
    path: Path
    size_bytes: int
    c: float
    trained_on: int
    seconds: float
    version: str
    validation_accuracy: dict[float, float] = field(default_factory=dict)  # per C, when tuned
    heldout_accuracy: float | None = None  # on reviews of films neither trained nor tuned on
    heldout_n: int = 0
    catalogue_excluded: int = 0  # reviews of catalogue films left out of training


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def review_splits(reviews: LabelledReviews, *, catalogue: Collection[str]) -> list[str]:
    """The split of every review (see data.split_of); a review without a film id stands for its own film."""
    return [split_of(film or f"#{i}", catalogue=catalogue) for i, film in enumerate(reviews.films)]


def _accuracy(model: nbsvm.NbSvmModel, reviews: LabelledReviews) -> float | None:
    if not reviews.texts:
        return None
    predicted = (model.decision(reviews.texts) >= 0).astype(int)
    return round(float((predicted == np.asarray(reviews.labels)).mean()), 4)


def train_classifier(
    *,
    data: Path | None = None,
    output: Path | None = None,
    c: float = nbsvm.DEFAULT_C,
    tune: bool = False,
    c_values: Sequence[float] = (0.3, 1.0, 3.0),
    catalogue: Collection[str] | None = None,
    limit: int | None = None,
    log: Callable[[str], None] = logger.info,
) -> TrainingResult:
    """Train on `data` (default: the mirror's IMDb training file) and save to `output` (default: MODEL_DIR).

    Reviews of the catalogue's films (default: the films in the database) are the ones the site shows, so they
    are cross-fitted: the shipped model learns from them too (more data, better labels for every new review),
    and carries a fallback model trained without them that scores exactly those texts, so every review shown is
    labelled by a model that never saw it. Of the other films, a fixed share is held out as a test set (never
    trained or tuned on) and another as a validation set: with `tune`, C is chosen on the validation set.
    """
    data = data or default_training_file()
    output = output or classifier_artifact_path()
    catalogue = catalogue_imdb_ids() if catalogue is None else set(catalogue)
    started = time.perf_counter()
    reviews = read_labelled(data, limit=limit)
    splits = review_splits(reviews, catalogue=catalogue)
    outside = reviews.subset([split in ("train", "validation") for split in splits])
    shown = reviews.subset([split == "catalogue" for split in splits])
    heldout = reviews.subset([split == "test" for split in splits])
    if len(outside.texts) < 4 or len(set(outside.labels)) < 2:
        raise ValueError(f"{data} has too few labelled reviews outside the catalogue (need both pos and neg)")
    log(
        f"read {len(reviews.texts)} labelled reviews from {data}: {len(heldout.texts)} held out for testing, "
        f"{len(outside.texts)} of other films to train on, {len(shown.texts)} of catalogue films cross-fitted "
        "(trained on, and scored only by a model that never saw them)"
    )
    validation_accuracy: dict[float, float] = {}
    if tune:
        train_part = reviews.subset([split == "train" for split in splits])
        validation = reviews.subset([split == "validation" for split in splits])
        if len(set(train_part.labels)) < 2 or not validation.texts:
            raise ValueError("too few reviews to tune on a validation split")
        for value in c_values:
            candidate = nbsvm.train(train_part.texts, train_part.labels, c=value)
            validation_accuracy[value] = _accuracy(candidate, validation)
            log(f"  C={value:g}: validation accuracy {validation_accuracy[value]:.4f}")
        c = max(validation_accuracy, key=validation_accuracy.get)
        log(f"chose C={c:g}")
    fallback = nbsvm.train(outside.texts, outside.labels, c=c)
    if shown.texts:
        model = nbsvm.train(outside.texts + shown.texts, outside.labels + shown.labels, c=c)
        model.fallback = fallback
        model.seen = frozenset(nbsvm.text_key(text) for text in shown.texts)
    else:
        model = fallback
    heldout_accuracy = _accuracy(model, heldout)
    model.meta.update(
        {
            "data": data.name,
            "data_sha256": file_digest(data),
            "validation_accuracy": {f"{k:g}": v for k, v in validation_accuracy.items()},
            "heldout_accuracy": heldout_accuracy,
            "heldout_n": len(heldout.texts),
            # Without the catalogue's reviews: what the fallback scores on the same held-out films.
            "fallback_heldout_accuracy": _accuracy(fallback, heldout) if shown.texts else heldout_accuracy,
            "cross_fitted": len(shown.texts),
            # The films whose reviews are scored only by a model that never saw them, so evaluation can tell
            # which reviews are out of sample.
            "excluded_films": sorted(catalogue & set(reviews.films)),
        }
    )
    size = model.save(output)
    reset_default_analyser()
    seconds = time.perf_counter() - started
    if heldout_accuracy is not None:
        log(
            f"held-out accuracy {heldout_accuracy:.4f} on {len(heldout.texts)} reviews of unseen films "
            f"({model.meta['fallback_heldout_accuracy']:.4f} without the catalogue's reviews)"
        )
    log(f"saved {output} ({size / 1e6:.2f} MB, version {model.version}) in {seconds:.1f}s")
    return TrainingResult(
        path=output,
        size_bytes=size,
        c=c,
        trained_on=int(model.meta["trained_on"]),
        seconds=seconds,
        version=model.version,
        validation_accuracy=validation_accuracy,
        heldout_accuracy=heldout_accuracy,
        heldout_n=len(heldout.texts),
        catalogue_excluded=len(shown.texts),
    )


def artifact_is_current(path: Path) -> bool:
    """Whether the artifact records which films it kept out, is cross-fitted and was trained with the current NB
    smoothing; older artifacts were trained on every review, on fewer reviews than the current training uses, or
    with alpha 1 (they still load and score, 0.2 points less accurate on held-out films)."""
    try:
        meta = nbsvm.NbSvmModel.load(path).meta
    except (OSError, ValueError, KeyError):
        return False
    return "excluded_films" in meta and "cross_fitted" in meta and meta.get("nb_alpha") == nbsvm.DEFAULT_ALPHA


def ensure_classifier(*, log: Callable[[str], None] = logger.info) -> bool:
    """Train the classifier if its artifact is missing (or was trained on the catalogue's own reviews, or by an
    older recipe) and the training data is at hand; True if a usable artifact exists."""
    artifact = classifier_artifact_path()
    if artifact.exists() and (artifact_is_current(artifact) or not default_training_file().exists()):
        return True
    if not default_training_file().exists():
        log(f"no sentiment artifact and no training data at {default_training_file()}: using VADER")
        return False
    if artifact.exists():
        log("the sentiment artifact saw the catalogue's own reviews or is of an older recipe: retraining it")
    train_classifier(log=log)
    return True


@dataclass
class FinetuneResult:
    path: Path
    seconds: float
    trained_on: int
    blend: dict
    heldout_accuracy: dict[str, float]  # nbsvm, minilm and the blend on the same held-out reviews
    heldout_n: int


def finetune_encoder(
    *,
    data: Path | None = None,
    output: Path | None = None,
    epochs: int = 1,
    batch_size: int = 16,
    device: str = "cpu",
    base_model: str | None = None,
    catalogue: Collection[str] | None = None,
    limit: int | None = None,
    log: Callable[[str], None] = logger.info,
) -> FinetuneResult:
    """Fine-tune MiniLM for sentiment on the train split, fit its blend with the NB-SVM artifact on the validation
    split, report the held-out films' accuracy, and save (reviews.sentiment.encoder). Needs the NB-SVM artifact
    (`train_sentiment` first); the blend is used only with that artifact."""
    from cineaesthete.ml import default_text_model_dir
    from reviews.sentiment.analysers import NbSvmAnalyser, encoder_artifact_path
    from reviews.sentiment.encoder import FORMAT, SentimentEncoder, blend_scores, fit_blend
    from reviews.sentiment.text import prepare

    if not classifier_artifact_path().exists():
        raise ValueError("no NB-SVM classifier to blend with: run `manage.py train_sentiment` first")
    shipped = NbSvmAnalyser.from_file(classifier_artifact_path())
    data = data or default_training_file()
    output = output or encoder_artifact_path()
    catalogue = catalogue_imdb_ids() if catalogue is None else set(catalogue)
    started = time.perf_counter()
    reviews = read_labelled(data, limit=limit)
    splits = review_splits(reviews, catalogue=catalogue)
    parts = {name: reviews.subset([split == name for split in splits]) for name in ("train", "validation", "test")}
    # Cleaned as the analysers clean what they score (reviews.sentiment.text.prepare).
    parts = {name: replace(part, texts=[prepare(text).text for text in part.texts]) for name, part in parts.items()}
    for name, part in parts.items():
        if name != "test" and len(set(part.labels)) < 2:
            raise ValueError(f"the {name} split needs positive and negative reviews to fine-tune on")
    log(
        f"fine-tuning MiniLM on {len(parts['train'].texts)} reviews ({epochs} epoch(s), {device}); "
        f"blend fitted on {len(parts['validation'].texts)}, tested on {len(parts['test'].texts)}"
    )
    encoder = SentimentEncoder.base(base_model or default_text_model_dir(), device=device)
    encoder.finetune(parts["train"].texts, parts["train"].labels, epochs=epochs, batch_size=batch_size, log=log)
    # The blend is fitted where neither model has learnt: an NB-SVM of the train split only, on validation.
    validation = parts["validation"]
    nb_train = nbsvm.train(
        parts["train"].texts, parts["train"].labels, c=float(shipped.model.meta.get("c", nbsvm.DEFAULT_C))
    )
    blend = fit_blend(nb_train.decision(validation.texts), encoder.differences(validation.texts), validation.labels)
    log(f"blend weight {blend['weight']:g} (validation accuracy per weight: {blend['validation_accuracy']})")
    heldout: dict[str, float] = {}
    test = parts["test"]
    if test.texts:
        y = np.asarray(test.labels)
        nb, lm = shipped.model.decision(test.texts), encoder.differences(test.texts)
        heldout = {
            "nbsvm": round(float(((nb > 0) == y).mean()), 4),
            "minilm": round(float(((lm > 0) == y).mean()), 4),
            "blend": round(float(((blend_scores(nb, lm, blend) > 0) == y).mean()), 4),
        }
        log(f"held-out accuracy on {len(y)} reviews of unseen films: {heldout}")
    digest = hashlib.sha256(encoder.head.weight.detach().cpu().numpy().tobytes()).hexdigest()[:10]
    encoder.meta = {
        "version": f"{FORMAT}-{digest}",
        "nbsvm_version": shipped.version,
        "blend": blend,
        "epochs": epochs,
        "trained_on": len(parts["train"].texts),
        "heldout_accuracy": heldout,
        "heldout_n": len(test.texts),
        "data_sha256": file_digest(data),
    }
    encoder.save(output)
    reset_default_analyser()
    seconds = time.perf_counter() - started
    log(f"saved {output} in {seconds:.0f}s")
    return FinetuneResult(
        path=output,
        seconds=seconds,
        trained_on=len(parts["train"].texts),
        blend=blend,
        heldout_accuracy=heldout,
        heldout_n=len(test.texts),
    )
