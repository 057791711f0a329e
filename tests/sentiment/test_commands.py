from __future__ import annotations

import gzip
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reviews.sentiment.analysers import classifier_artifact_path
from reviews.sentiment.data import read_labelled
from reviews.sentiment.nbsvm import NbSvmModel
from reviews.sentiment.training import review_splits
from tests.factories import make_film
from tests.sentiment.conftest import synthetic_reviews


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_evaluate_reports_vader_side_by_side_with_a_held_out_classifier(labelled_file):
    report = json.loads(run("evaluate_sentiment", "--data", str(labelled_file), "--json", "--holdout", "0.25"))
    rows = {row["analyser"]: row for row in report["results"]}
    assert set(rows) == {"vader", "nbsvm-holdout"}
    assert report["n"] == 30
    assert rows["nbsvm-holdout"]["accuracy"] >= 0.9
    assert 0 <= rows["vader"]["accuracy"] <= 1 and 0 <= rows["vader"]["macro_f1"] <= 1


def catalogue_file(tmp_path, *, films: int = 40, per_film: int = 6):
    """Synthetic reviews of `films` films (ids tt0000000...), a few reviews each, as the IMDb file is laid out."""
    texts, labels = synthetic_reviews(films * per_film, seed=3)
    path = tmp_path / "with-films.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
            row = {"id": i, "label": "pos" if label else "neg", "imdb_id": f"tt{i // per_film:07d}", "text": text}
            handle.write(json.dumps(row) + "\n")
    return path


@pytest.mark.django_db
def test_the_classifier_never_trains_on_catalogue_films_or_held_out_ones(tmp_path):
    path = catalogue_file(tmp_path)
    in_catalogue = {f"tt{n:07d}" for n in range(0, 40, 4)}  # ten films, sixty reviews
    for imdb_id in in_catalogue:
        make_film(f"Film {imdb_id}", imdb_id=imdb_id)
    output = run("train_sentiment", "--data", str(path), "--tune")
    assert "60 reviews of catalogue films left out" in output and "chose C=" in output
    reviews = read_labelled(path)
    splits = review_splits(reviews, catalogue=in_catalogue)
    meta = NbSvmModel.load(classifier_artifact_path()).meta
    assert meta["trained_on"] == splits.count("train") + splits.count("validation")
    assert set(meta["excluded_films"]) == in_catalogue
    assert meta["heldout_n"] == splits.count("test") > 0
    # No film is on two sides of a split.
    sides = {}
    for film, split in zip(reviews.films, splits, strict=True):
        assert sides.setdefault(film, split) == split

    report = json.loads(run("evaluate_sentiment", "--data", str(path), "--json"))
    assert report["sets"]["catalogue"]["n"] == 60
    assert report["sets"]["heldout"]["n"] == splits.count("test")
    rows = {row["analyser"]: row for row in report["sets"]["catalogue"]["results"]}
    assert set(rows) == {"vader", "nbsvm"} and rows["nbsvm"]["accuracy"] >= 0.9

    # A film added to the catalogue after training was trained on: its reviews are named, not counted.
    make_film("Late addition", imdb_id="tt0000001")
    report = json.loads(run("evaluate_sentiment", "--data", str(path), "--json"))
    assert report["sets"]["catalogue"]["n"] == 60
    assert any("added after training" in note for note in report["notes"])


@pytest.mark.django_db
def test_evaluate_smoke_on_tiny_data_prints_both_out_of_sample_sets(tmp_path):
    path = catalogue_file(tmp_path, films=12, per_film=4)
    make_film("Tiny", imdb_id="tt0000002")
    run("train_sentiment", "--data", str(path))
    output = run("evaluate_sentiment", "--data", str(path))
    assert "[heldout]" in output and "[catalogue]: 4 reviews" in output and "nbsvm" in output


@pytest.mark.django_db
def test_evaluate_prints_a_table_without_json(labelled_file):
    output = run("evaluate_sentiment", "--data", str(labelled_file))
    assert "accuracy" in output and "vader" in output


@pytest.mark.django_db
def test_commands_fail_clearly_on_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="not found"):
        run("evaluate_sentiment", "--data", str(tmp_path / "nope.jsonl.gz"))
    with pytest.raises(CommandError, match="not found"):
        run("train_sentiment", "--data", str(tmp_path / "nope.jsonl.gz"))


@pytest.mark.django_db
def test_an_artifact_trained_on_the_catalogue_is_replaced_by_an_out_of_sample_one(tmp_path, settings):
    from reviews.sentiment import nbsvm
    from reviews.sentiment.training import ensure_classifier, trained_out_of_sample

    path = catalogue_file(tmp_path, films=12, per_film=4)
    settings.DATA_MIRROR = tmp_path / "mirror"
    (settings.DATA_MIRROR / "imdb-reviews").mkdir(parents=True)
    path.rename(settings.DATA_MIRROR / "imdb-reviews" / "train.jsonl.gz")
    texts, labels = synthetic_reviews(40)
    nbsvm.train(texts, labels).save(classifier_artifact_path())  # the old way: no record of excluded films
    assert not trained_out_of_sample(classifier_artifact_path())
    assert ensure_classifier(log=lambda message: None)
    assert trained_out_of_sample(classifier_artifact_path())
