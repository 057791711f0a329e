"""Accuracy and macro-F1 of analysers on labelled reviews, side by side."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from reviews.sentiment import nbsvm
from reviews.sentiment.analysers import Analyser, NbSvmAnalyser


def evaluate(analyser: Analyser, texts: Sequence[str], labels: Sequence[int]) -> dict:
    """Binary evaluation: a review counts as predicted positive when its score is >= 0.

    Reviews the analyser will not analyse (judged not English, say) score 0 and so count as positive;
    how many there were is reported beside the numbers.
    """
    started = time.perf_counter()
    polarities = analyser.analyse_batch(texts)
    seconds = time.perf_counter() - started
    predicted = [1 if p.score >= 0 else 0 for p in polarities]
    return {
        "analyser": analyser.name,
        "version": analyser.version,
        "n": len(labels),
        "accuracy": round(float(accuracy_score(labels, predicted)), 4),
        "macro_f1": round(float(f1_score(labels, predicted, average="macro")), 4),
        "labelled_mixed": sum(p.label == "mixed" for p in polarities),
        "not_analysable": sum(not p.analysable for p in polarities),
        "ms_per_review": round(1000 * seconds / max(1, len(labels)), 3),
    }


def evaluate_all(analysers: Mapping[str, Analyser], texts: Sequence[str], labels: Sequence[int]) -> list[dict]:
    return [evaluate(analyser, texts, labels) for analyser in analysers.values()]


def holdout_nbsvm(
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    test_fraction: float = 0.2,
    seed: int = 0,
    c: float = nbsvm.DEFAULT_C,
) -> tuple[NbSvmAnalyser, list[str], list[int]]:
    """Train a fresh NB-SVM on a stratified (1 - test_fraction) share; return it and the held-out reviews."""
    from sklearn.model_selection import train_test_split

    train_idx, test_idx = train_test_split(
        np.arange(len(labels)), test_size=test_fraction, random_state=seed, stratify=labels
    )
    model = nbsvm.train([texts[i] for i in train_idx], [labels[i] for i in train_idx], c=c)
    return NbSvmAnalyser(model), [texts[i] for i in test_idx], [labels[i] for i in test_idx]
