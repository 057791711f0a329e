"""A watchlist sorted by "predicted" shows each viewer their own fit, never the member's.

The member's fit comes from all their ratings, private diary ratings too; a visitor or another member who saw
it (the order, and "top N% for you") would learn what those private ratings were.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from recommendations.selectors import member_film_scores
from reviews.selectors import member_watchlist
from reviews.services import diary_log, rating_set, watchlist_add
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(trained):
    """Loves action films, in private; has a romance film then an action film on the watchlist (added order)."""
    member = make_member("owner")
    for film in trained["action"][:3]:
        diary_log(user=member, film=film, watched_on=datetime.date(2024, 5, 1), stars="5", is_private=True)
    watchlist_add(user=member, film=trained["action"][5])
    watchlist_add(user=member, film=trained["romance"][0])
    return member


@pytest.fixture
def romance_fan(trained):
    member = make_member("romantic")
    for film in trained["romance"][:3]:
        rating_set(user=member, film=film, stars="5")
    return member


def _titles(page) -> list[str]:
    html = page.content.decode()
    return sorted(("Action 5", "Romance 0"), key=html.index)


def test_the_member_sees_their_own_fit(client, trained, owner):
    entries = member_watchlist(member=owner, viewer=owner, sort="predicted")
    assert [e.film_id for e in entries] == [trained["action"][5].pk, trained["romance"][0].pk]
    client.force_login(owner)
    page = client.get(reverse("reviews:watchlist", args=["owner"]), {"sort": "predicted"})
    assert _titles(page) == ["Action 5", "Romance 0"] and b"for you</p>" in page.content


def test_another_member_sees_their_own_fit_not_the_members(client, trained, owner, romance_fan):
    entries = member_watchlist(member=owner, viewer=romance_fan, sort="predicted")
    assert [e.film_id for e in entries] == [trained["romance"][0].pk, trained["action"][5].pk]
    theirs = member_film_scores(user=romance_fan, film_ids=[e.film_id for e in entries])
    assert {e.film_id: e.predicted for e in entries} == theirs
    client.force_login(romance_fan)
    page = client.get(reverse("reviews:watchlist", args=["owner"]), {"sort": "predicted"})
    assert _titles(page) == ["Romance 0", "Action 5"]


@pytest.mark.parametrize("viewer", ["visitor", "member without ratings"])
def test_a_viewer_without_a_taste_gets_added_order_and_no_fit(client, trained, owner, viewer):
    member = make_member("newcomer") if viewer == "member without ratings" else None
    entries = member_watchlist(member=owner, viewer=member, sort="predicted")
    assert [e.film_id for e in entries] == [trained["romance"][0].pk, trained["action"][5].pk]
    assert all(e.match_top_percent is None for e in entries)
    if member:
        client.force_login(member)
    page = client.get(reverse("reviews:watchlist", args=["owner"]), {"sort": "predicted"})
    assert _titles(page) == ["Romance 0", "Action 5"] and b"for you" not in page.content
