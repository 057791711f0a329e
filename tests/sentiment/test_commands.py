from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reviews.sentiment.analysers import classifier_artifact_path, default_analyser


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_evaluate_reports_vader_side_by_side_with_a_held_out_classifier(labelled_file):
    report = json.loads(run("evaluate_sentiment", "--data", str(labelled_file), "--json", "--holdout", "0.25"))
    rows = {row["analyser"]: row for row in report["results"]}
    assert set(rows) == {"vader", "nbsvm-holdout"}
    assert report["n"] == 30
    assert rows["nbsvm-holdout"]["accuracy"] >= 0.9
    assert 0 <= rows["vader"]["accuracy"] <= 1 and 0 <= rows["vader"]["macro_f1"] <= 1


def test_train_then_evaluate_includes_the_trained_classifier_and_warns_it_is_in_sample(labelled_file):
    output = run("train_sentiment", "--data", str(labelled_file), "--c", "1")
    assert "trained on 120 reviews" in output
    assert classifier_artifact_path().exists()
    assert default_analyser().name == "nbsvm"
    report = json.loads(run("evaluate_sentiment", "--data", str(labelled_file), "--json"))
    assert {row["analyser"] for row in report["results"]} == {"vader", "nbsvm"}
    assert any("in-sample" in note for note in report["notes"])


def test_train_with_tuning_picks_c_by_cross_validation(labelled_file):
    output = run("train_sentiment", "--data", str(labelled_file), "--tune", "--folds", "3")
    assert "3-fold accuracy" in output and "chose C=" in output


def test_evaluate_prints_a_table_without_json(labelled_file):
    output = run("evaluate_sentiment", "--data", str(labelled_file))
    assert "accuracy" in output and "vader" in output


def test_commands_fail_clearly_on_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="not found"):
        run("evaluate_sentiment", "--data", str(tmp_path / "nope.jsonl.gz"))
    with pytest.raises(CommandError, match="not found"):
        run("train_sentiment", "--data", str(tmp_path / "nope.jsonl.gz"))
