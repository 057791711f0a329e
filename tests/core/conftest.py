"""A small world with one of everything a page shows, and the site's pages over it."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from reviews import services
from tests.factories import make_film, make_person, make_poster, make_rating


@pytest.fixture
def site_pages(alice, bob, staff):
    """(who is signed in, path) for every kind of page a visitor, a member and staff see."""
    film = make_film("Alien", year=1979, genres=("Horror",), movielens_id=1214)
    make_poster(film)
    person = make_person("Ridley Scott")
    make_rating(bob, film, 4.5)
    services.review_create(user=bob, film=film, text="Tense and <b>beautiful</b>.")
    services.diary_log(user=alice, film=film, watched_on=timezone.localdate() - datetime.timedelta(days=1))
    services.watchlist_add(user=alice, film=make_film("Heat", year=1995, genres=("Crime",)))
    film_list = services.list_create(user=alice, title="Night films")
    services.list_add(film_list=film_list, film=film)
    services.follow_create(follower=alice, followed=bob)
    review = film.reviews.first()
    year = timezone.localdate().year
    public = [
        "/",
        "/films/",
        "/films/?genre=horror&sort=rating",
        f"/films/{film.pk}/",
        f"/people/{person.pk}/",
        "/search/?q=alien",
        "/vibe/",
        "/vibe/?q=dark+gloomy+detective",
        f"/reviews/{review.pk}/",
        f"/films/{film.pk}/reviews/",
        "/members/alice/",
        f"/members/alice/diary/{year}/",
        "/members/alice/watchlist/",
        "/members/alice/lists/",
        f"/members/alice/lists/{film_list.slug}/",
        "/members/alice/stats/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/api/docs/",
    ]
    member = [
        "/feed/",
        "/recommendations/",
        "/recommendations/start/",
        f"/members/alice/lists/{film_list.slug}/",
        f"/lists/{film_list.pk}/edit/",
        "/lists/new/",
        f"/films/{film.pk}/",
        f"/films/{film.pk}/reviews/new/",
        "/settings/favourites/",
        "/import/letterboxd/",
        "/accounts/logout/",
        "/accounts/email/",
        "/accounts/password/change/",
    ]
    staff_only = ["/admin/", "/admin/catalog/film/", f"/admin/catalog/film/{film.pk}/change/", "/staff/jobs/"]
    return (
        [(None, path) for path in public] + [(alice, path) for path in member] + [(staff, path) for path in staff_only]
    )
