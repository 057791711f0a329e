"""Similar films without a model: the films sharing most genres, more-rated first, from a bounded candidate set."""

from __future__ import annotations

import pytest

from recommendations.selectors import similar_films
from tests.factories import make_film

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    return {
        "target": make_film("Target", genres=("Drama", "Comedy"), rating_count=5),
        "both": make_film("Both", genres=("Drama", "Comedy"), rating_count=1),
        "drama": make_film("Drama Only", genres=("Drama",), rating_count=100),
        "comedy": make_film("Comedy Only", genres=("Comedy",), rating_count=50),
        "horror": make_film("Horror", genres=("Horror",), rating_count=1000),
    }


def titles(films):
    return [film.title for film in films]


def test_films_sharing_most_genres_come_first_then_the_more_rated(shelf):
    assert titles(similar_films(film=shelf["target"], k=4)) == ["Both", "Drama Only", "Comedy Only"]


def test_only_the_most_rated_films_sharing_a_genre_are_compared(shelf, monkeypatch):
    # A large catalogue is not scanned: the two most-rated films sharing a genre are the candidates.
    monkeypatch.setattr("recommendations.selectors.SIMILAR_BY_GENRE_CANDIDATES", 2)
    assert titles(similar_films(film=shelf["target"], k=4)) == ["Drama Only", "Comedy Only"]


def test_a_film_without_genres_has_no_similar_films(shelf):
    assert similar_films(film=make_film("Untagged"), k=4) == []


def test_the_fallback_is_a_fixed_number_of_queries(shelf, django_assert_num_queries):
    for n in range(20):
        make_film(f"More {n}", genres=("Drama",), rating_count=n)
    # Expect 4 queries: the active model (none), the film's genres, the ranked candidates, the cards with posters.
    with django_assert_num_queries(4):
        similar_films(film=shelf["target"], k=4)
