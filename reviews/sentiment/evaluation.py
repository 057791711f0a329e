"""Accuracy and macro-F1 of analysers on labelled reviews, side by side."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from reviews.sentiment import aspects, nbsvm
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


def read_aspect_mentions(path: Path) -> list[dict]:
    """The labelled aspect set: {"text", "aspect", "polarity": pos/neg} per mention, or {"text", "not": aspect}
    for a sentence whose ambiguous word must not count for that aspect."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def aspect_polarity_accuracy(items: Sequence[dict], *, analyser: Analyser, scorer: aspects.ClauseScorer) -> dict:
    """Share of labelled aspect mentions whose polarity comes out right, the old way (the whole sentence's
    polarity for every aspect in it) beside per mention (its clause, with negation); and the sense checks."""
    mentions = [item for item in items if "aspect" in item]
    senses = [item for item in items if "not" in item]
    sentence_scores = [p.score for p in analyser.analyse_batch([item["text"] for item in mentions])]
    sentence_right = per_mention_right = found = 0
    for item, sentence_score in zip(mentions, sentence_scores, strict=True):
        positive = item["polarity"] == "pos"
        sentence_right += (sentence_score >= 0) == positive
        scores = aspects.mention_scores(item["text"], sentence_score=sentence_score, scorer=scorer)
        if item["aspect"] in scores:
            found += 1
            per_mention_right += (scores[item["aspect"]] >= 0) == positive
    return {
        "mentions": len(mentions),
        "found": found,
        "sentence_level_accuracy": round(sentence_right / max(1, len(mentions)), 4),
        "per_mention_accuracy": round(per_mention_right / max(1, len(mentions)), 4),
        "sense_checks": len(senses),
        "sense_checks_passed": sum(item["not"] not in aspects.lexicon_aspects(item["text"]) for item in senses),
        "analyser": analyser.name,
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
