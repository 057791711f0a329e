"""A like logged in public never publishes the stars (or aspect ratings) the member gave in private.

alice rates five films in private diary entries (stars, and a story rating through the widget), then logs a
public viewing of each with a like and no stars, through each way there is to log one. The like is hers to
show; the private stars are not: no film statistic, activity, feed, stats page or taste comparison that
another member sees may carry them.
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from reviews import selectors, services
from reviews.models import Activity, DiaryEntry, Rating
from tests.factories import make_film

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 5, 1)


def _log_with_the_service(alice, film):
    services.diary_log(user=alice, film=film, watched_on=TODAY, liked=True, is_private=False)


def _log_with_the_form(alice, film):
    client = APIClient()
    client.force_login(alice)
    response = client.post(reverse("reviews:diary_log", args=[film.pk]), {"watched_on": "2024-05-01", "liked": "on"})
    assert response.status_code == 302


def _log_with_the_api(alice, film):
    client = APIClient()
    client.force_login(alice)
    body = {"film_id": film.pk, "watched_on": "2024-05-01", "liked": True, "is_private": False}
    response = client.post("/api/me/diary/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201


WAYS = [_log_with_the_service, _log_with_the_form, _log_with_the_api]


@pytest.fixture
def films(alice, settings):
    settings.ASPECT_MIN_RATINGS = 1
    films = [make_film(f"Private {n}", year=2000 + n) for n in range(5)]
    for film in films:
        services.diary_log(user=alice, film=film, watched_on=TODAY, stars="0.5", is_private=True)
        services.rating_aspects_set(user=alice, film=film, aspects={"story": "1"})
    return films


@pytest.mark.parametrize("log", WAYS, ids=lambda way: way.__name__.removeprefix("_log_with_the_"))
def test_a_public_like_leaves_private_stars_private(films, alice, bob, log):
    services.follow_create(follower=bob, followed=alice)
    for film in films:
        services.rating_set(user=bob, film=film, stars="5")
        log(alice, film)
    # The viewings and their likes are public, as alice asked.
    assert DiaryEntry.objects.filter(user=alice, is_private=False, liked=True).count() == len(films)

    for film in films:
        film.refresh_from_db()
        assert (film.rating_count, film.rating_mean) == (1, 5.0)  # bob's stars only, kept on every write
        services.film_rating_stats_refresh(film_ids=[film.pk])
        film.refresh_from_db()
        assert (film.rating_count, film.rating_mean) == (1, 5.0)  # and on a full recount
        assert selectors.film_rating_summary(film=film).count == 1
        assert [a.aspect for a in selectors.film_aspect_averages(film=film)] == []
    assert not selectors.public_ratings().filter(user=alice).exclude(stars=None, story=None).exists()
    assert not Activity.objects.filter(user=alice, stars__isnull=False).exists()
    assert all(activity.stars is None for activity in selectors.member_feed(user=bob))
    for viewer in (bob, None):
        assert selectors.member_stats(member=alice, viewer=viewer).mean_stars is None
    assert selectors.taste_compatibility(member=alice, viewer=bob) is None
    feed = APIClient()
    feed.force_login(bob)
    assert "½" not in feed.get(reverse("reviews:feed")).content.decode()
    # alice herself keeps her stars.
    assert set(Rating.objects.filter(user=alice).values_list("stars", "story")) == {(0.5, 1)}
