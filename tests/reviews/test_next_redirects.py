"""Every form that goes back to ``next`` goes only to a path on this site, and never answers 500.

``next`` comes from a hidden field or the query string, so it is anyone's to set. Off-site addresses (absolute,
scheme-relative, backslash tricks, javascript:) fall back to the view's default page; so does a bare word, which
``redirect()`` once tried as a URL name and failed on with a 500.
"""

from __future__ import annotations

import datetime
import inspect

import pytest
from django.urls import reverse

from reviews import services, views
from reviews.models import WatchlistEntry

pytestmark = pytest.mark.django_db

HOSTILE_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "javascript:alert(1)",
    "http:///evil.example/",
    "abc",
    "-1",
    "²",
    "x" * 5000,
]


@pytest.fixture
def world(alice, bob, film):
    services.rating_set(user=alice, film=film, stars="3.0")
    services.watchlist_add(user=alice, film=film)
    review = services.review_create(user=bob, film=film, text="Bob's review")
    entry = services.diary_log(user=alice, film=film, watched_on=datetime.date(2024, 5, 1))
    film_list = services.list_create(user=alice, title="Alice's list")
    services.list_add(film_list=film_list, film=film)
    return {"film": film, "review": review, "entry": entry, "list": film_list}


# (url name, its arguments, the form) for every view that honours ``next``.
def forms(world) -> dict[str, tuple[str, list, dict]]:
    film, film_list = world["film"], world["list"]
    return {
        "rate": ("reviews:rate", [film.pk], {"stars": "4.0"}),
        "like": ("reviews:like", [film.pk], {}),
        "watchlist_toggle": ("reviews:watchlist_toggle", [film.pk], {}),
        "watchlist_edit": ("reviews:watchlist_edit", [film.pk], {"priority": WatchlistEntry.Priority.HIGH}),
        "review_like": ("reviews:review_like", [world["review"].pk], {}),
        "follow": ("reviews:follow", ["bob"], {}),
        "diary_log": ("reviews:diary_log", [film.pk], {"watched_on": "2024-06-01"}),
        "diary_delete": ("reviews:diary_delete", [world["entry"].pk], {}),
        "list_add": ("reviews:list_add", [], {"list": film_list.pk, "film": film.pk}),
        "list_remove": ("reviews:list_remove", [film_list.pk], {"film": film.pk}),
    }


FORMS = [
    "rate", "like", "watchlist_toggle", "watchlist_edit", "review_like",
    "follow", "diary_log", "diary_delete", "list_add", "list_remove",
]  # fmt: skip


def test_every_view_that_reads_next_is_covered():
    """A new view that goes back to ``next`` (through ``_back``) must be added to FORMS."""
    readers = {
        name
        for name, view in vars(views).items()
        if inspect.isfunction(view)
        and view.__module__ == views.__name__
        and name != "_back"
        and "_back(request" in inspect.getsource(view)
    }
    assert readers == set(FORMS)


@pytest.mark.parametrize("target", HOSTILE_NEXT, ids=lambda target: repr(target[:20]))
@pytest.mark.parametrize("form", FORMS)
def test_next_goes_only_to_a_path_on_this_site(client, alice, world, form, target):
    name, args, data = forms(world)[form]
    client.force_login(alice)
    response = client.post(reverse(name, args=args), {**data, "next": target})
    assert response.status_code == 302, response.content[:200]
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "evil" not in location and location != target


@pytest.mark.parametrize("form", FORMS)
def test_a_path_on_this_site_is_followed(client, alice, world, form):
    name, args, data = forms(world)[form]
    client.force_login(alice)
    response = client.post(reverse(name, args=args), {**data, "next": "/films/?page=2"})
    assert (response.status_code, response["Location"]) == (302, "/films/?page=2")
