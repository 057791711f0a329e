"""Taste compatibility between two members: a property of their common stars, shown on profiles."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from reviews import selectors, services
from tests.factories import make_film, make_member


def _rate(member, films, stars):
    for film, value in zip(films, stars, strict=True):
        services.rating_set(user=member, film=film, stars=value)


@pytest.fixture
def films(db):
    return [make_film(f"Film {n}", year=1950 + n) for n in range(8)]


def test_identical_stars_are_100_and_opposite_stars_are_0(alice, bob, films):
    _rate(alice, films, [5, 4, 3, 2, 1, 5, 4, 3])
    _rate(bob, films, [5, 4, 3, 2, 1, 5, 4, 3])
    assert selectors.taste_compatibility(member=bob, viewer=alice).percent == 100
    carol = make_member("carol")
    _rate(carol, films, [0.5, 5, 0.5, 5, 0.5, 5, 0.5, 5])
    dave = make_member("dave")
    _rate(dave, films, [5, 0.5, 5, 0.5, 5, 0.5, 5, 0.5])
    assert selectors.taste_compatibility(member=dave, viewer=carol).percent == 0


def test_it_is_symmetric_bounded_and_names_the_extremes(alice, bob, films):
    generator = random.Random(7)
    for _ in range(5):
        mine = [generator.choice(range(1, 11)) / 2 for _ in films]
        theirs = [generator.choice(range(1, 11)) / 2 for _ in films]
        _rate(alice, films, mine)
        _rate(bob, films, theirs)
        one = selectors.taste_compatibility(member=bob, viewer=alice)
        other = selectors.taste_compatibility(member=alice, viewer=bob)
        assert one.percent == other.percent and 0 <= one.percent <= 100 and one.common == len(films)
        gaps = [abs(a - b) for a, b in zip(mine, theirs, strict=True)]
        assert abs(one.agree[0].mine - one.agree[0].theirs) == min(gaps)
        if max(gaps):
            assert abs(one.disagree[0].mine - one.disagree[0].theirs) == max(gaps)


def test_below_five_common_films_or_on_your_own_profile_nothing_is_shown(client, alice, bob, films):
    _rate(alice, films[:4], [5, 4, 3, 2])
    _rate(bob, films[:4], [5, 4, 3, 2])
    assert selectors.taste_compatibility(member=bob, viewer=alice) is None
    _rate(alice, films[4:], [1, 2, 3, 4])
    _rate(bob, films[4:], [1, 2, 3, 4])
    assert selectors.taste_compatibility(member=alice, viewer=alice) is None
    client.force_login(alice)
    html = client.get(reverse("reviews:profile", args=[bob.username])).content.decode()
    assert "Taste compatibility: 100%" in html and "You agree on" in html
    assert "Taste compatibility" not in client.get(reverse("reviews:profile", args=[alice.username])).content.decode()
    client.logout()
    assert "Taste compatibility" not in client.get(reverse("reviews:profile", args=[bob.username])).content.decode()
