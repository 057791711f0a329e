from __future__ import annotations

import gzip
import json
import random

import pytest

from reviews.sentiment.analysers import reset_default_analyser

POSITIVE_WORDS = ["wonderful", "brilliant", "superb", "moving", "delightful", "masterpiece", "loved", "excellent"]
NEGATIVE_WORDS = ["awful", "boring", "terrible", "dreadful", "waste", "worst", "stupid", "tedious"]
FILLER = ["the film", "this movie", "the cast", "the story", "it", "the ending", "the script", "the score"]


def synthetic_reviews(count: int, *, seed: int = 0) -> tuple[list[str], list[int]]:
    """Short reviews whose polarity is carried by a few opinion words among neutral filler."""
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(count):
        label = i % 2
        opinion = POSITIVE_WORDS if label else NEGATIVE_WORDS
        sentences = [
            f"{rng.choice(FILLER).capitalize()} was {rng.choice(opinion)} and {rng.choice(opinion)}."
            for _ in range(rng.randint(2, 4))
        ]
        texts.append(" ".join(sentences) + " I saw it on a Sunday with a friend.")
        labels.append(label)
    return texts, labels


def write_jsonl_gz(path, texts, labels) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
            row = {"split": "train", "id": i, "label": "pos" if label else "neg", "rating": 8, "text": text}
            handle.write(json.dumps(row) + "\n")


@pytest.fixture(autouse=True)
def _isolated_models(settings, tmp_path):
    """No test sees the developer's trained artifact or a configured transformers model."""
    settings.MODEL_DIR = tmp_path / "models"
    settings.SENTIMENT_MODEL = ""
    reset_default_analyser()
    yield
    reset_default_analyser()


@pytest.fixture
def labelled_file(tmp_path):
    texts, labels = synthetic_reviews(120)
    path = tmp_path / "labelled.jsonl.gz"
    write_jsonl_gz(path, texts, labels)
    return path
