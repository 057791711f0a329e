"""MiniLM fine-tuned for sentiment and blended with NB-SVM: trained through the real command and the real job,
picked by default_analyser only beside the NB-SVM it was blended with, and never a crash when it is missing,
stale or broken."""

from __future__ import annotations

import json
import logging
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from cineaesthete.core.jobs import job_enqueue
from cineaesthete.core.models import JobRun
from reviews.sentiment.analysers import (
    BlendAnalyser,
    NbSvmAnalyser,
    available_analysers,
    default_analyser,
    encoder_artifact_path,
    reset_default_analyser,
)
from reviews.sentiment.encoder import BLEND_WEIGHTS, blend_scores, fit_blend
from tests.sentiment.test_commands import catalogue_file

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def data(tmp_path):
    return catalogue_file(tmp_path, films=40, per_film=3)


def test_finetune_blends_with_the_trained_classifier_and_is_then_the_default(data):
    run("train_sentiment", "--data", str(data))
    output = run("train_sentiment", "--data", str(data), "--finetune", "--device", "cpu")
    assert "fine-tuned on" in output and "held-out accuracy" in output
    meta = json.loads((encoder_artifact_path() / "meta.json").read_text())
    nbsvm = NbSvmAnalyser.from_file(encoder_artifact_path().parent / "nbsvm.npz")
    assert meta["nbsvm_version"] == nbsvm.version and meta["blend"]["weight"] in BLEND_WEIGHTS
    assert set(meta["heldout_accuracy"]) == {"nbsvm", "minilm", "blend"}

    analyser = default_analyser()
    assert isinstance(analyser, BlendAnalyser) and analyser.name == "nbsvm+minilm"
    polarities = analyser.analyse_batch(["The acting was superb and wonderful.", "", "x" * 30_000, None])
    assert all(-1 <= polarity.score <= 1 for polarity in polarities)
    assert polarities[1].analysable is False
    report = json.loads(run("evaluate_sentiment", "--data", str(data), "--json"))
    assert "nbsvm+minilm" in {row["analyser"] for row in report["results"]}


def test_a_retrained_classifier_or_a_broken_encoder_falls_back_to_nbsvm(data, caplog):
    run("train_sentiment", "--data", str(data))
    run("train_sentiment", "--data", str(data), "--finetune", "--device", "cpu")
    run("train_sentiment", "--data", str(data), "--c", "1.0")  # another NB-SVM: the blend was fitted to the old one
    with caplog.at_level(logging.WARNING):
        assert type(default_analyser()) is NbSvmAnalyser
    assert "blended with NB-SVM" in caplog.text
    (encoder_artifact_path() / "meta.json").write_text("{not json")
    reset_default_analyser()
    assert type(default_analyser()) is NbSvmAnalyser
    assert "nbsvm+minilm" not in available_analysers()


def test_finetune_refuses_clearly_without_a_classifier_or_with_bad_options(data):
    with pytest.raises(CommandError, match="run `manage.py train_sentiment` first"):
        run("train_sentiment", "--data", str(data), "--finetune")
    for option, value in (("--epochs", "0"), ("--epochs", "99"), ("--device", "tpu")):
        with pytest.raises(CommandError, match=option):
            run("train_sentiment", "--data", str(data), "--finetune", option, value)


@pytest.mark.django_db(transaction=True)
def test_the_job_fine_tunes_on_the_training_queue(data, stub_broker, stub_worker):
    from reviews.sentiment.tasks import finetune_sentiment

    run("train_sentiment", "--data", str(data))
    job = job_enqueue(finetune_sentiment, data=str(data))
    stub_broker.join("training")
    stub_broker.join("ml")  # the backfill it queues
    stub_worker.join()
    job.refresh_from_db()
    assert job.state == JobRun.State.SUCCEEDED, job.error
    assert set(job.result["heldout_accuracy"]) == {"nbsvm", "minilm", "blend"}
    assert isinstance(default_analyser(), BlendAnalyser)
    backfill = JobRun.objects.get(kind="analyse_reviews_backfill")  # the reviews shown are scored again
    assert backfill.state == JobRun.State.SUCCEEDED


def test_the_blend_weight_is_chosen_on_validation_and_scores_stay_in_range():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    nb = (2 * y - 1) * 1.0 + rng.normal(0, 1.5, 400)  # two noisy views of the same labels
    lm = (2 * y - 1) * 1.0 + rng.normal(0, 1.5, 400)
    blend = fit_blend(nb, lm, y)
    assert blend["weight"] > 0  # independent errors: the blend beats either alone
    scores = blend_scores(nb * 100, lm * -100, blend)
    assert np.all(np.isfinite(scores)) and np.all(np.abs(scores) <= 1)
    assert fit_blend(nb, np.zeros(400), y)["weight"] == 0  # an encoder that knows nothing gets no weight


def test_queueing_the_fine_tune_is_idempotent_and_skipped_when_the_blend_exists(data, stub_broker):
    from reviews.sentiment.tasks import finetune_sentiment

    assert "no fine-tuning queued" in run("train_sentiment", "--finetune", "--queue")  # no NB-SVM yet
    run("train_sentiment", "--data", str(data))
    missing = str(data.with_name("missing.jsonl.gz"))
    assert "no fine-tuning queued" in run("train_sentiment", "--finetune", "--queue", "--data", missing)
    assert "queued fine-tuning job" in run("train_sentiment", "--finetune", "--queue", "--data", str(data))
    assert "no fine-tuning queued" in run("train_sentiment", "--finetune", "--queue")  # one is queued already
    assert JobRun.objects.get().arguments == {"epochs": 1, "data": str(data)}
    assert JobRun.objects.filter(kind=finetune_sentiment.actor_name).count() == 1
    JobRun.objects.update(state=JobRun.State.FAILED)
    run("train_sentiment", "--data", str(data), "--finetune", "--device", "cpu")
    assert "no fine-tuning queued" in run("train_sentiment", "--finetune", "--queue")  # the blend is current
