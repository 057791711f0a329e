"""What a search may quote from reviews: whole words, from public reviews only, whatever words it is asked for."""

from __future__ import annotations

import pytest

from reviews.models import Review
from reviews.selectors import review_words
from tests.factories import make_film, make_member

pytestmark = pytest.mark.django_db


def review(member, film, text: str, **fields) -> Review:
    return Review.objects.create(user=member, film=film, text=text, **fields)


def test_whole_words_in_any_case_most_used_first():
    film, other = make_film("Mulholland Drive"), make_film("Other")
    alice, bob = make_member("alice"), make_member("bob")
    review(alice, film, "Dreamlike and HYPNOTIC. Truly dreamlike.")
    review(bob, film, "A dreamlike love story<br />undreamlike? no: a love\n  story told twice")
    review(bob, other, "Hypnotic.")
    found = review_words(film_ids=[film.pk], words=["dreamlike", "hypnotic", "love story", "surreal"])
    assert found == {film.pk: ["dreamlike", "love story", "hypnotic"]}  # 3, 2, 1 uses; "undreamlike" is not one


def test_private_and_hidden_reviews_are_never_quoted():
    film = make_film("Eraserhead")
    member = make_member("member")
    review(member, film, "surreal in private", is_private=True)
    review(member, film, "surreal but hidden by moderators", is_hidden=True)
    assert review_words(film_ids=[film.pk], words=["surreal", "private", "hidden"]) == {}
    review(member, film, "surreal, said in public")
    assert review_words(film_ids=[film.pk], words=["surreal", "private", "hidden"]) == {film.pk: ["surreal"]}


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        ".*",
        "a|b",
        "(",
        "\\",
        "'; drop table reviews_review; --",
        "%s",
        "x" * 500,
        "\x00",
        "Dreamlike",
        "dream[a-z]+",
    ],
)
def test_words_that_are_not_plain_words_are_ignored_without_error(hostile):
    film = make_film("Film")
    review(make_member("m"), film, "a dreamlike film with a b and (parentheses) .* ; drop table %s")
    assert review_words(film_ids=[film.pk], words=[hostile]) == {}
    assert review_words(film_ids=[film.pk], words=[hostile, "dreamlike"]) == {film.pk: ["dreamlike"]}
    assert Review.objects.count() == 1


def test_nothing_asked_nothing_queried(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert review_words(film_ids=[], words=["dreamlike"]) == {}
        assert review_words(film_ids=[1], words=[]) == {}


def test_only_the_reviews_text_a_film_is_embedded_with_is_read():
    """The first ``within`` characters of a film's public reviews, oldest first: what its embedding holds."""
    film = make_film("Long")
    member = make_member("m")
    review(member, film, "word " * 400 + "dreamlike")  # 2,009 characters
    review(member, film, "hypnotic")
    assert review_words(film_ids=[film.pk], words=["dreamlike", "hypnotic"], within=1500) == {}
    assert review_words(film_ids=[film.pk], words=["dreamlike", "hypnotic"], within=3000) == {
        film.pk: ["dreamlike", "hypnotic"]
    }
