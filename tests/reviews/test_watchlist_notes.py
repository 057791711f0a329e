"""Watchlist notes are the member's own unless shared, on the page and through the API."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from reviews import selectors, services
from reviews.models import WatchlistEntry

pytestmark = pytest.mark.django_db


def _page(client, viewer) -> str:
    if viewer is not None:
        client.force_login(viewer)
    return client.get(reverse("reviews:watchlist", args=["alice"])).content.decode()


@pytest.mark.parametrize("viewer", ["owner", "member", "anonymous"])
@pytest.mark.parametrize("shared", [False, True])
def test_a_note_shows_to_others_only_when_shared(client, alice, bob, film, viewer, shared):
    services.watchlist_add(user=alice, film=film, note="Birthday pick", note_public=shared)
    member = {"owner": alice, "member": bob, "anonymous": None}[viewer]
    expected = viewer == "owner" or shared
    assert ("Birthday pick" in _page(client, member)) is expected
    entries = selectors.member_watchlist(member=alice, viewer=member)
    assert (entries[0].note == "Birthday pick") is expected
    assert WatchlistEntry.objects.get().note == "Birthday pick"  # hiding it never touches the row


def test_the_member_shares_and_unshares_a_note_from_the_page_and_the_api(client, alice, film):
    services.watchlist_add(user=alice, film=film, note="Quiet")
    assert not WatchlistEntry.objects.get().note_public
    client.force_login(alice)
    url = reverse("reviews:watchlist_edit", args=[film.pk])
    client.post(url, {"priority": 2, "note": "Loud", "note_public": "on"})
    assert WatchlistEntry.objects.values_list("note", "note_public").get() == ("Loud", True)
    api = APIClient()
    api.force_authenticate(alice)
    response = api.patch(f"/api/me/watchlist/{film.pk}/", {"note_public": False}, format="json")
    assert response.status_code == 200 and response.json()["note_public"] is False
    assert WatchlistEntry.objects.values_list("note", "note_public").get() == ("Loud", False)


def test_a_nul_note_is_refused_everywhere(client, alice, film):
    api = APIClient()
    api.force_authenticate(alice)
    assert api.post("/api/me/watchlist/", {"film_id": film.pk, "note": "a\x00b"}, format="json").status_code == 400
    assert not WatchlistEntry.objects.exists()


def test_setting_aspect_ratings_keeps_the_stars_in_page_and_api(client, alice, film):
    services.rating_set(user=alice, film=film, stars="3.5")
    client.force_login(alice)
    client.post(reverse("reviews:rate", args=[film.pk]), {"story": "5"})
    api = APIClient()
    api.force_authenticate(alice)
    rating = api.post("/api/me/ratings/", {"film": film.pk, "music": "2"}, format="json").json()
    assert (rating["stars"], rating["story"], rating["music"]) == ("3.5", "5.0", "2.0")
