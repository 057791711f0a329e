"""Onboarding's questions on genres and moods seed a new member's first recommendations; its film mix spans
languages and eras."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog.models import Genre
from recommendations.models import TasteSeed
from recommendations.selectors import member_recommendations, onboarding_films, taste_seed_films
from recommendations.services import taste_seed_set
from reviews.sentiment.selectors import mood_choices
from reviews.services import rating_set
from tests.factories import make_film, make_member

pytestmark = pytest.mark.django_db


def _genre(name: str) -> Genre:
    return Genre.objects.get(name=name)


@pytest.mark.parametrize("side, other", [("Romance", "action"), ("Action", "romance")])
def test_picked_genres_lead_a_new_members_first_recommendations(trained, side, other):
    newcomer = make_member("newcomer")
    before = member_recommendations(user=newcomer, k=5)
    taste_seed_set(user=newcomer, genre_ids=[_genre(side).pk], moods=[])
    after = member_recommendations(user=newcomer, k=5)
    picked = {film.pk for film in trained[side.lower()]}
    assert sum(rec.film_id in picked for rec in after.items) == 5
    assert before.items != after.items
    assert after.liked_count == 0  # seeds are not ratings
    assert any(f"Because you picked {side}" in " ".join(rec.reasons) for rec in after.items)


def test_seeds_step_aside_once_the_member_has_rated_enough(trained):
    newcomer = make_member("newcomer")
    taste_seed_set(user=newcomer, genre_ids=[_genre("Romance").pk], moods=[])
    for film in trained["action"][:8]:
        rating_set(user=newcomer, film=film, stars="5")
    for film in trained["romance"][:2]:
        rating_set(user=newcomer, film=film, stars="4")
    assert taste_seed_films(user=newcomer)  # still answered, but ten liked films now speak for themselves
    result = member_recommendations(user=newcomer, k=5)
    assert not any("picked" in " ".join(rec.reasons) for rec in result.items)


def test_the_questions_form_saves_answers_with_htmx(client, trained):
    member = make_member("newcomer")
    client.force_login(member)
    page = client.get(reverse("recommendations:onboarding")).content.decode()
    assert 'name="genre"' in page and "A few questions" in page
    moods = mood_choices()[:2]
    response = client.post(
        reverse("recommendations:onboarding_taste"),
        {"genre": [_genre("Action").pk], "mood": moods},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "Saved" in response.content.decode()
    seed = TasteSeed.objects.get(user=member)
    assert [g.name for g in seed.genres.all()] == ["Action"] and seed.moods == moods


@pytest.mark.parametrize(
    "data",
    [
        {"genre": ["abc"]},
        {"genre": ["999999"]},
        {"genre": ["1\x00"]},
        {"mood": ["nonsense"]},
        {"mood": ["tense\x00"]},
        {"mood": mood_choices()[:4]},
    ],
)
def test_bad_answers_are_a_400_and_write_nothing(client, trained, data):
    member = make_member("newcomer")
    client.force_login(member)
    response = client.post(reverse("recommendations:onboarding_taste"), data)
    assert response.status_code == 400
    assert not TasteSeed.objects.exists()


def test_too_many_genres_are_refused(db):
    member = make_member("newcomer")
    genres = [Genre.objects.create(name=f"G{n}", slug=f"g{n}") for n in range(6)]
    with pytest.raises(ValidationError):
        taste_seed_set(user=member, genre_ids=[g.pk for g in genres], moods=[])


def test_the_questions_need_a_member_and_a_post(client, alice):
    url = reverse("recommendations:onboarding_taste")
    assert client.post(url).status_code == 302
    client.force_login(alice)
    assert client.get(url).status_code == 405


def test_the_onboarding_mix_spans_languages_and_decades(alice):
    # The most-rated films are all 1990s Hollywood; well-known films from elsewhere and other eras follow.
    for n in range(40):
        make_film(f"Hollywood {n}", year=1990 + n % 10, genres=("Drama",), rating_count=1000 - n)
    for n, (year, original) in enumerate(
        [(1954, "Shichinin no samurai"), (1960, "La dolce vita"), (1972, ""), (2001, "Sen to Chihiro"), (1983, "")] * 4
    ):
        make_film(f"World {n}", year=year, original_title=original, genres=("Drama",), rating_count=500 - n)
    films = onboarding_films(user=alice, count=20)
    assert len(films) == 20
    english = [film for film in films if not film.original_title]
    assert len(english) <= 12
    nineties = [film for film in films if film.year and 1990 <= film.year < 2000]
    assert len(nineties) <= 6
