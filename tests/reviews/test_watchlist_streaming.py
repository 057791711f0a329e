"""The smart watchlist: availability in the viewer's country, "on my services" and "free", the profile count."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import MemberService
from catalog.selectors import AvailabilityRank
from reviews.selectors import member_watchlist, profile_counts
from reviews.services import watchlist_add
from tests.factories import make_film, make_offer

pytestmark = pytest.mark.django_db

NETFLIX, TUBI, APPLE, MUBI = 8, 73, 2, 11


@pytest.fixture
def shelf(alice):
    """Alice's watchlist: one film per availability, in the US; she subscribes to Netflix."""
    films = {
        "mine": make_film("On Netflix", runtime_minutes=120),
        "free": make_film("On Tubi", runtime_minutes=90),
        "rent": make_film("To Rent", runtime_minutes=150),
        "nowhere": make_film("Nowhere", runtime_minutes=None),
        "elsewhere": make_film("On Mubi Elsewhere", runtime_minutes=100),
    }
    make_offer(films["mine"], country="US", provider_id=NETFLIX, kind="flatrate")
    make_offer(films["mine"], country="US", provider_id=APPLE, kind="buy")
    make_offer(films["free"], country="US", provider_id=TUBI, kind="ads")
    make_offer(films["rent"], country="US", provider_id=APPLE, kind="rent")
    make_offer(films["elsewhere"], country="GB", provider_id=NETFLIX, kind="flatrate")
    for film in ["nowhere", "rent", "free", "mine", "elsewhere"]:  # added in this order: "elsewhere" last
        watchlist_add(user=alice, film=films[film])
    MemberService.objects.create(user=alice, provider_id=NETFLIX)
    return films


def _titles(entries):
    return [entry.film.title for entry in entries]


def test_availability_sort_puts_my_services_then_free_then_paid_then_nowhere(alice, shelf):
    entries = member_watchlist(member=alice, viewer=alice, sort="availability", country="US", service_ids=[NETFLIX])
    assert _titles(entries) == ["On Netflix", "On Tubi", "To Rent", "On Mubi Elsewhere", "Nowhere"]
    assert [entry.availability for entry in entries][:3] == [
        AvailabilityRank.ON_SERVICES,
        AvailabilityRank.FREE,
        AvailabilityRank.RENT_OR_BUY,
    ]


def test_another_country_changes_the_order(alice, shelf):
    entries = member_watchlist(member=alice, viewer=alice, sort="availability", country="GB", service_ids=[NETFLIX])
    assert _titles(entries)[0] == "On Mubi Elsewhere"


def test_filters_on_my_services_and_free(alice, shelf):
    mine = member_watchlist(member=alice, viewer=alice, country="US", service_ids=[NETFLIX], streaming="mine")
    assert _titles(mine) == ["On Netflix"]
    free = member_watchlist(member=alice, viewer=alice, country="US", service_ids=[NETFLIX], streaming="free")
    assert _titles(free) == ["On Tubi"]
    assert member_watchlist(member=alice, viewer=alice, country="US", service_ids=[], streaming="mine") == []


def test_runtime_sort_puts_unknown_runtimes_last(alice, shelf):
    entries = member_watchlist(member=alice, viewer=alice, sort="runtime", country="US")
    assert _titles(entries) == ["On Tubi", "On Mubi Elsewhere", "On Netflix", "To Rent", "Nowhere"]


def test_availability_sort_is_one_query_whatever_the_length(alice, shelf):
    for n in range(30):
        watchlist_add(user=alice, film=make_film(f"Extra {n}"))
    with CaptureQueriesContext(connection) as queries:
        entries = member_watchlist(member=alice, viewer=alice, sort="availability", country="US", service_ids=[8])
        [entry.film.poster for entry in entries]
    # Expect 1 query: the entries with their films and posters, availability ranked by EXISTS in the same query.
    assert len(queries) == 1


def test_watchlist_page_groups_by_availability(client, alice, shelf):
    client.force_login(alice)
    response = client.get(
        reverse("reviews:watchlist", args=["alice"]), {"sort": "availability"}, HTTP_ACCEPT_LANGUAGE="en-US"
    )
    html = response.content.decode()
    assert response.status_code == 200
    headings = [line.split(">")[1].split(" <")[0] for line in html.splitlines() if 'class="watchlist-group"' in line]
    assert headings == ["On your services now", "Free to stream", "To rent or buy", "Nowhere in United States"]
    assert "JustWatch" in html


def test_watchlist_page_filter_and_hostile_values(client, alice, bob, shelf):
    url = reverse("reviews:watchlist", args=["alice"])
    client.force_login(alice)
    response = client.get(url, {"streaming": "mine"}, HTTP_ACCEPT_LANGUAGE="en-US")
    assert _titles(response.context["entries"]) == ["On Netflix"]
    for bad in ("bogus", "mine" * 50):
        response = client.get(url, {"streaming": bad, "sort": bad})
        assert response.status_code == 200 and len(response.context["entries"]) == 5
    assert client.get(url, {"streaming": "mine\x00"}).status_code == 400
    # Another member's view uses their own (no) services; a visitor cannot ask for "mine".
    client.force_login(bob)
    assert client.get(url, {"streaming": "mine"}, HTTP_ACCEPT_LANGUAGE="en-US").context["entries"] == []
    client.logout()
    assert len(client.get(url, {"streaming": "mine"}).context["entries"]) == 5


def test_profile_counts_available_on_my_services_for_the_owner_only(alice, bob, shelf):
    assert profile_counts(member=alice, viewer=alice, country="US").on_services == 1
    assert profile_counts(member=alice, viewer=bob, country="US").on_services is None


def test_profile_page_shows_the_count(client, alice, shelf):
    client.force_login(alice)
    html = client.get(reverse("reviews:profile", args=["alice"]), HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "Available on my services" in html


def _walk_pages(client, url, params):
    """Every page of a watchlist by following "Next": [(page's titles, page's group headings), ...]."""
    pages, number = [], 1
    while number:
        response = client.get(url, {**params, "page": number}, HTTP_ACCEPT_LANGUAGE="en-US")
        assert response.status_code == 200
        groups = [(group["label"], group["total"]) for group in response.context["groups"] if group["label"]]
        pages.append((_titles(response.context["entries"]), groups))
        page = response.context["page"]
        number = page.next_page_number() if page.has_next() else 0
    return pages


def test_pages_of_the_availability_sort_reach_every_film_in_order(client, alice, shelf, monkeypatch):
    monkeypatch.setattr("catalog.selectors.GRID_PAGE", 2)
    client.force_login(alice)
    pages = _walk_pages(client, reverse("reviews:watchlist", args=["alice"]), {"sort": "availability"})
    assert [titles for titles, _ in pages] == [
        ["On Netflix", "On Tubi"],
        ["To Rent", "On Mubi Elsewhere"],
        ["Nowhere"],
    ]
    # Each page heads its groups, counted over the whole watchlist, not the page.
    assert [groups for _, groups in pages] == [
        [("On your services now", 1), ("Free to stream", 1)],
        [("To rent or buy", 1), ("Nowhere in United States", 2)],
        [("Nowhere in United States", 2)],
    ]


@pytest.mark.parametrize("sort", ["added", "priority", "year", "runtime", "predicted"])
def test_pages_of_every_sort_reach_every_film_in_the_whole_list_order(client, alice, shelf, monkeypatch, sort):
    for n in range(4):
        watchlist_add(user=alice, film=make_film(f"Extra {n}", runtime_minutes=80 + n))
    monkeypatch.setattr("catalog.selectors.GRID_PAGE", 3)
    client.force_login(alice)
    pages = _walk_pages(client, reverse("reviews:watchlist", args=["alice"]), {"sort": sort})
    whole = member_watchlist(member=alice, viewer=alice, sort=sort, country="US", service_ids=[NETFLIX])
    assert [title for titles, _ in pages for title in titles] == _titles(whole)
    assert len(pages) == 3


def test_a_page_of_the_watchlist_is_a_fixed_number_of_queries(client, alice, shelf, monkeypatch):
    monkeypatch.setattr("catalog.selectors.GRID_PAGE", 2)
    client.force_login(alice)
    url = reverse("reviews:watchlist", args=["alice"])
    client.get(url, {"sort": "availability"}, HTTP_ACCEPT_LANGUAGE="en-US")
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"sort": "availability"}, HTTP_ACCEPT_LANGUAGE="en-US")
    for n in range(10):
        watchlist_add(user=alice, film=make_film(f"Extra {n}"))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"sort": "availability", "page": "2"}, HTTP_ACCEPT_LANGUAGE="en-US")
    assert len(response.context["entries"]) == 2
    assert len(few) == len(many)


def test_hostile_page_numbers_show_a_real_page(client, alice, shelf):
    client.force_login(alice)
    url = reverse("reviews:watchlist", args=["alice"])
    for bad in ("abc", "0", "-3", "²", "9" * 40, "99999"):
        response = client.get(url, {"sort": "availability", "page": bad}, HTTP_ACCEPT_LANGUAGE="en-US")
        assert response.status_code == 200 and len(response.context["entries"]) == 5
