from __future__ import annotations

import gzip
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from reviews.imdb import clean_text, import_imdb_reviews
from reviews.models import Review
from tests.factories import make_film

pytestmark = pytest.mark.django_db


@pytest.fixture
def mirror(tmp_path):
    reviews = [
        {
            "split": "train",
            "id": 1,
            "label": "pos",
            "rating": 9,
            "imdb_id": "tt0078748",
            "text": "Great<br /><br />Scary.",
        },
        {"split": "train", "id": 1, "label": "neg", "rating": 2, "imdb_id": "tt0078748", "text": "<b>Dull</b>"},
        {"split": "train", "id": 2, "label": "pos", "rating": 8, "imdb_id": "tt0000001", "text": "Unknown film"},
    ]
    path = tmp_path / "train.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        handle.writelines(json.dumps(review) + "\n" for review in reviews)
    links = tmp_path / "links.csv"
    links.write_text("movieId,imdbId,tmdbId\n1214,0078748,348\n")
    return path, links


def test_it_imports_reviews_for_catalogue_films_once(film, mirror):
    path, links = mirror
    call_command("ingest_imdb_reviews", str(path), links=str(links))
    reviews = Review.objects.select_related("user").order_by("stars")
    assert [(r.film_id, r.source_rating, float(r.stars)) for r in reviews] == [(film.pk, 2, 1.0), (film.pk, 9, 4.5)]
    assert reviews[1].text == "Great\n\nScary."
    assert all(r.user.imported_from == "imdb" and not r.user.has_usable_password() for r in reviews)
    call_command("ingest_imdb_reviews", str(path), links=str(links))
    assert Review.objects.count() == 2


def test_it_matches_by_imdb_id_on_the_film_too(mirror):
    path, links = mirror
    alien = make_film("Alien", year=1979, imdb_id="tt0078748")
    call_command("ingest_imdb_reviews", str(path), links=str(links))
    assert Review.objects.filter(film=alien).count() == 2


def test_clean_text_turns_breaks_into_paragraphs():
    assert clean_text("One.<br /><br />Two.<br/>Three") == "One.\n\nTwo.\n\nThree"


def test_imdb_reviews_have_no_date_and_pages_say_imported(client, film, mirror):
    path, links = mirror
    call_command("ingest_imdb_reviews", str(path), links=str(links))
    assert not Review.objects.filter(date_known=True).exists()
    html = client.get(reverse("reviews:film_reviews", args=[film.pk])).content.decode()
    today = timezone.localdate()
    assert "imported</a>" in html and f"{today:%b} {today.year}" not in html


def test_imdb_text_passes_the_review_checks(film, tmp_path, mirror):
    _, links = mirror
    path = tmp_path / "hostile.jsonl.gz"
    records = [
        {"split": "train", "id": 5, "label": "pos", "rating": 9, "imdb_id": "tt0078748", "text": "x" * 20_001},
        {"split": "train", "id": 6, "label": "pos", "rating": 9, "imdb_id": "tt0078748", "text": "   "},
        {"split": "train", "id": 7, "label": "pos", "rating": 9, "imdb_id": "tt0078748", "text": "Fine."},
    ]
    with gzip.open(path, "wt") as handle:
        handle.writelines(json.dumps(record) + "\n" for record in records)
    result = import_imdb_reviews(path=path, links_path=links)
    assert result["created"] == 1 and result["refused"] == 2
    assert list(Review.objects.values_list("text", flat=True)) == ["Fine."]
