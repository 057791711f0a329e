"""Member pages cost the same number of queries whatever the number of rows."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews import services
from tests.factories import make_film, make_member

pytestmark = pytest.mark.django_db


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def grow(*, owner, viewer, film, start: int, stop: int) -> None:
    """Rows of every kind for ``owner``: ratings, diary, reviews (liked by viewer), lists, activity."""
    film_list = owner.film_lists.first() or services.list_create(user=owner, title="Stuff")
    for n in range(start, stop):
        other = make_film(f"Film {n}", year=1950 + n, genres=("Drama",))
        services.rating_set(user=owner, film=other, stars=(n % 10 + 1) / 2)
        services.diary_log(user=owner, film=other, watched_on=datetime.date(2024, 1 + n % 12, 1), tags=["a", "b"])
        services.watchlist_add(user=owner, film=make_film(f"Later {n}"))
        services.list_add(film_list=film_list, film=other)
        reviewer = make_member(f"reviewer{n}")
        services.rating_set(user=reviewer, film=film, stars=3)
        review = services.review_create(user=reviewer, film=film, text=f"Review {n}", contains_spoilers=n % 2 == 0)
        services.review_like_toggle(user=viewer, review=review)
        services.follow_create(follower=viewer, followed=reviewer)
    services.favourites_set(user=owner, films=[rating.film for rating in owner.ratings.select_related("film")[:4]])


def film_section_queries(client, viewer, film) -> int:
    request = RequestFactory().get(film.get_absolute_url())
    request.user = viewer
    template = Template("{% load reviews_tags %}{% film_reviews_section film %}")
    return count_queries(lambda: template.render(Context({"film": film, "request": request, "user": viewer})))


@pytest.mark.parametrize("signed_in", [True, False])
def test_film_section_has_fixed_query_count(client, alice, bob, film, signed_in):
    from django.contrib.auth.models import AnonymousUser

    viewer = bob if signed_in else AnonymousUser()
    grow(owner=alice, viewer=bob, film=film, start=0, stop=2)
    services.rating_set(user=bob, film=film, stars=4)
    small = film_section_queries(client, viewer, film)
    grow(owner=alice, viewer=bob, film=film, start=2, stop=14)
    assert film_section_queries(client, viewer, film) == small
    assert small <= (6 if signed_in else 2)


def test_film_reviews_page_has_fixed_query_count(client, alice, bob, film):
    client.force_login(bob)
    url = reverse("reviews:film_reviews", args=[film.pk])
    grow(owner=alice, viewer=bob, film=film, start=0, stop=2)
    small = count_queries(lambda: client.get(url))
    grow(owner=alice, viewer=bob, film=film, start=2, stop=14)
    assert count_queries(lambda: client.get(url)) == small


@pytest.mark.parametrize("page", ["profile", "diary", "watchlist", "lists", "stats"])
def test_member_pages_have_fixed_query_count(client, alice, bob, film, page):
    client.force_login(bob)
    url = reverse(f"reviews:{page}", args=["alice"])
    grow(owner=alice, viewer=bob, film=film, start=0, stop=2)
    small = count_queries(lambda: client.get(url))
    grow(owner=alice, viewer=bob, film=film, start=2, stop=12)
    assert count_queries(lambda: client.get(url)) == small


def test_feed_and_list_pages_have_fixed_query_count(client, alice, bob, film):
    client.force_login(bob)
    grow(owner=alice, viewer=bob, film=film, start=0, stop=2)
    services.follow_create(follower=bob, followed=alice)
    list_url = alice.film_lists.get().get_absolute_url()
    feed_small = count_queries(lambda: client.get(reverse("reviews:feed")))
    list_small = count_queries(lambda: client.get(list_url))
    grow(owner=alice, viewer=bob, film=film, start=2, stop=12)
    assert count_queries(lambda: client.get(reverse("reviews:feed"))) == feed_small
    assert count_queries(lambda: client.get(list_url)) == list_small


def test_film_page_with_members_section_has_fixed_query_count(client, alice, bob, film):
    """The whole film page (the catalogue's view, with this app's section included)."""
    client.force_login(bob)
    url = film.get_absolute_url()
    grow(owner=alice, viewer=bob, film=film, start=0, stop=2)
    response = client.get(url)
    if response.status_code != 200 or "rating-widget" not in response.content.decode():
        pytest.skip("the film page does not include the members section yet")
    small = count_queries(lambda: client.get(url))
    grow(owner=alice, viewer=bob, film=film, start=2, stop=12)
    assert count_queries(lambda: client.get(url)) == small
