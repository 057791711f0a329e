from __future__ import annotations

import dataclasses
import gzip
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reviews.sentiment import nbsvm
from reviews.sentiment.analysers import NbSvmAnalyser, classifier_artifact_path
from reviews.sentiment.data import read_labelled
from reviews.sentiment.nbsvm import NbSvmModel
from reviews.sentiment.text import prepare
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
    assert "60 of catalogue films cross-fitted" in output and "chose C=" in output
    reviews = read_labelled(path)
    splits = review_splits(reviews, catalogue=in_catalogue)
    model = NbSvmModel.load(classifier_artifact_path())
    meta = model.meta
    # The shipped model learns from the catalogue's reviews too; its fallback never saw them.
    assert meta["trained_on"] == splits.count("train") + splits.count("validation") + 60
    assert meta["cross_fitted"] == 60
    assert model.fallback.meta["trained_on"] == splits.count("train") + splits.count("validation")
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
    # Aspect polarity on each of bench/data's three labelled sets, one line each.
    for name in ("aspect_mentions.jsonl", "aspect_mentions_validation.jsonl", "aspect_mentions_test.jsonl"):
        assert f"labelled mentions ({name})" in output


@pytest.mark.django_db
def test_evaluate_reports_every_aspect_set_in_json_and_refuses_a_missing_one(labelled_file, tmp_path):
    report = json.loads(run("evaluate_sentiment", "--data", str(labelled_file), "--json"))
    assert len(report["aspect_sets"]) == 3
    assert report["aspects"] == report["aspect_sets"]["aspect_mentions.jsonl"]
    assert all(0 <= row["per_mention_accuracy"] <= 1 for row in report["aspect_sets"].values())
    with pytest.raises(CommandError, match="aspect mentions not found"):
        run("evaluate_sentiment", "--data", str(labelled_file), "--aspects", str(tmp_path / "none.jsonl"))


@pytest.mark.django_db
def test_commands_fail_clearly_on_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="not found"):
        run("evaluate_sentiment", "--data", str(tmp_path / "nope.jsonl.gz"))
    with pytest.raises(CommandError, match="not found"):
        run("train_sentiment", "--data", str(tmp_path / "nope.jsonl.gz"))


@pytest.mark.django_db
def test_an_artifact_trained_on_the_catalogue_is_replaced_by_an_out_of_sample_one(tmp_path, settings):
    from reviews.sentiment.training import artifact_is_current, ensure_classifier

    path = catalogue_file(tmp_path, films=12, per_film=4)
    settings.DATA_MIRROR = tmp_path / "mirror"
    (settings.DATA_MIRROR / "imdb-reviews").mkdir(parents=True)
    path.rename(settings.DATA_MIRROR / "imdb-reviews" / "train.jsonl.gz")
    texts, labels = synthetic_reviews(40)
    nbsvm.train(texts, labels).save(classifier_artifact_path())  # the old way: no record of excluded films
    assert not artifact_is_current(classifier_artifact_path())
    assert ensure_classifier(log=lambda message: None)
    assert artifact_is_current(classifier_artifact_path())

    # An out-of-sample artifact from before the NB smoothing was recorded (alpha 1) still loads, and is retrained.
    model = NbSvmModel.load(classifier_artifact_path())
    del model.meta["nb_alpha"]
    model.save(classifier_artifact_path())
    assert "nb_alpha" not in NbSvmModel.load(classifier_artifact_path()).meta
    assert not artifact_is_current(classifier_artifact_path())
    assert ensure_classifier(log=lambda message: None)
    assert NbSvmModel.load(classifier_artifact_path()).meta["nb_alpha"] == nbsvm.DEFAULT_ALPHA


@pytest.mark.django_db
def test_every_imported_review_is_scored_by_a_model_that_never_saw_it(tmp_path, settings):
    """The round trip the site makes: train with the catalogue's reviews cross-fitted, import those reviews from
    the same file (their markup cleaned the import's way), analyse them as the worker does. Each stored score is
    the fallback's, never the model that learnt the text; a member's new review gets the full model."""
    from reviews.imdb import import_imdb_reviews
    from reviews.models import Review
    from reviews.sentiment.services import reviews_backfill

    texts, labels = synthetic_reviews(240, seed=5)
    # Markup as IMDb writes it, and text a member could also write: tags, entities, odd spacing.
    texts = [
        f"{text.replace('. ', '.<br /><br />', 1)} It was <i>really</i> something &amp; more.   " for text in texts
    ]
    path = tmp_path / "imdb.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
            row = {"split": "train", "id": i, "label": "pos" if label else "neg", "imdb_id": f"tt{i // 6:07d}"}
            handle.write(json.dumps({**row, "rating": 8 if label else 2, "text": text}) + "\n")
    links = tmp_path / "links.csv"
    links.write_text("movieId,imdbId,tmdbId\n")
    for n in range(0, 40, 5):
        make_film(f"Film {n}", imdb_id=f"tt{n:07d}")
    run("train_sentiment", "--data", str(path))
    assert import_imdb_reviews(path=path, links_path=links)["created"] == 48
    reviews_backfill(use_embedder=False)

    model = NbSvmModel.load(classifier_artifact_path())
    assert model.fallback is not None and len(model.seen) == 48
    fallback = NbSvmAnalyser(model.fallback)
    stored = list(Review.objects.filter(imported_from="imdb").select_related("sentiment"))
    assert len(stored) == 48
    for review in stored:
        text = prepare(review.text).text
        assert nbsvm.text_key(text) in model.seen, review.text
        assert review.sentiment.score == pytest.approx(fallback.scores([text])[0], abs=1e-3)
    # Any text not trained on goes to the full model, however much it resembles the training reviews.
    full_only = dataclasses.replace(model, fallback=None, seen=frozenset())
    fresh = [texts[0] + " A second viewing was even better.", texts[1].replace("It was", "Honestly, it was")]
    assert not any(nbsvm.text_key(text) in model.seen for text in fresh)
    assert list(model.decision(fresh)) == pytest.approx(list(full_only.decision(fresh)))
    assert list(model.decision(fresh)) != pytest.approx(list(model.fallback.decision(fresh)))
