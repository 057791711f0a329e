"""A private diary entry's review, stars and like stay with the member, on every surface that shows them.

One private entry (stars, like, review) is logged by alice; each surface is read by alice herself, by another
member who follows her, and by an anonymous visitor. The member sees her own entry on her own pages; nobody
else sees its text, its stars, or its effect on counts, feeds and film statistics.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from reviews import selectors, services
from reviews.models import Activity, Rating, Review
from tests.factories import make_film, make_member

pytestmark = pytest.mark.django_db

SECRET = "Only-for-my-eyes review text"


@pytest.fixture
def private_entry(alice, bob):
    film = make_film("Zardoz", year=1974)
    services.follow_create(follower=bob, followed=alice)
    entry = services.diary_log(
        user=alice,
        film=film,
        watched_on=datetime.date.today(),
        stars="0.5",
        liked=True,
        review_text=SECRET,
        is_private=True,
    )
    return entry


def _client(viewer):
    client = APIClient()
    if viewer is not None:
        client.force_login(viewer)
    return client


def _text(response) -> str:
    return response.content.decode()


# Each surface answers "does the viewer see the private entry here?".
def api_review_list(client, viewer, entry):
    return SECRET in _text(client.get("/api/reviews/")) or SECRET in _text(
        client.get(f"/api/reviews/?film={entry.film_id}")
    )


def api_review_detail(client, viewer, entry):
    return client.get(f"/api/reviews/{entry.review_id}/").status_code == 200


def review_page(client, viewer, entry):
    return client.get(reverse("reviews:review_detail", args=[entry.review_id])).status_code == 200


def film_reviews_page(client, viewer, entry):
    return SECRET in _text(client.get(reverse("reviews:film_reviews", args=[entry.film_id])))


def film_page_reviews(client, viewer, entry):
    return SECRET in _text(client.get(reverse("catalog:film_detail", args=[entry.film_id])))


def diary_page(client, viewer, entry):
    return "Zardoz" in _text(client.get(reverse("reviews:diary", args=["alice"])))


def profile_activity(client, viewer, entry):
    html = _text(client.get(reverse("reviews:profile", args=["alice"])))
    return "Zardoz" in html or SECRET in html


def profile_counts_api(client, viewer, entry):
    member = client.get("/api/members/alice/").json()
    return member["films"] > 0


def member_stats_page(client, viewer, entry):
    stats = selectors.member_stats(member=entry.user, viewer=viewer)
    html = _text(client.get(reverse("reviews:stats", args=["alice"])))
    return stats.total_films > 0 or stats.mean_stars is not None or "Zardoz" in html


# Public film statistics leave private ratings out, for the member too.
def film_statistics(client, viewer, entry):
    services.film_rating_stats_refresh(film_ids=[entry.film_id])
    api = client.get(f"/api/films/{entry.film_id}/").json()
    summary = selectors.film_rating_summary(film=entry.film)
    return api["rating_count"] > 0 or api["rating_mean"] is not None or summary.count > 0


SURFACES = {
    # surface: (seen by the member herself, seen by others)
    api_review_list: (True, False),
    api_review_detail: (True, False),
    review_page: (True, False),
    film_reviews_page: (True, False),
    film_page_reviews: (True, False),
    diary_page: (True, False),
    profile_activity: (False, False),
    profile_counts_api: (True, False),
    member_stats_page: (True, False),
    film_statistics: (False, False),
}


@pytest.mark.parametrize("viewer", ["owner", "member", "anonymous"])
@pytest.mark.parametrize("surface", SURFACES, ids=lambda surface: surface.__name__)
def test_a_private_entry_is_seen_only_by_its_member(private_entry, alice, bob, surface, viewer):
    member = {"owner": alice, "member": bob, "anonymous": None}[viewer]
    seen_by_owner, seen_by_others = SURFACES[surface]
    assert surface(_client(member), member, private_entry) is (seen_by_owner if viewer == "owner" else seen_by_others)


def test_a_private_entry_writes_no_activity_and_its_followers_feed_stays_empty(private_entry, alice, bob):
    assert not Activity.objects.filter(user=alice).exists()
    assert selectors.member_feed(user=bob) == []
    assert "Zardoz" not in _text(_client(bob).get(reverse("reviews:feed")))


def test_others_cannot_like_a_private_review(private_entry, bob):
    client = _client(bob)
    assert client.post(reverse("reviews:review_like", args=[private_entry.review_id])).status_code == 404
    assert client.post(f"/api/reviews/{private_entry.review_id}/like/").status_code == 404
    assert Review.objects.get().like_count == 0


def test_the_member_keeps_the_private_rating_for_herself(private_entry, alice):
    rating = Rating.objects.get(user=alice)
    assert rating.is_private and rating.stars == Decimal("0.5") and rating.liked
    assert Review.objects.get().is_private
    ratings = _client(alice).get("/api/me/ratings/").json()["results"]
    assert [(r["film"]["title"], r["stars"], r["is_private"]) for r in ratings] == [("Zardoz", "0.5", True)]


def test_a_star_click_keeps_a_private_rating_private_and_out_of_film_statistics(private_entry, alice):
    film = private_entry.film
    services.rating_set(user=alice, film=film, stars="4")
    film.refresh_from_db()
    assert Rating.objects.get().is_private
    assert (film.rating_count, film.rating_mean) == (0, None)
    assert not Activity.objects.exists()


def test_film_statistics_count_public_ratings_only_through_every_privacy_change(alice, bob):
    """The running totals kept on each write agree with a full recount, whatever the order of changes."""
    film = make_film("Stalker")
    carol = make_member("carol")
    today = datetime.date.today()
    steps = [
        lambda: services.rating_set(user=bob, film=film, stars="3"),
        lambda: services.diary_log(user=alice, film=film, watched_on=today, stars="1", is_private=True),
        lambda: services.rating_set(user=carol, film=film, stars="5"),
        lambda: services.diary_log(user=alice, film=film, watched_on=today, stars="2", is_private=False),
        lambda: services.diary_log(user=alice, film=film, watched_on=today, stars="4.5", is_private=True),
        lambda: services.like_set(user=alice, film=film, liked=True, is_private=False),
        lambda: services.rating_clear(user=alice, film=film),
        lambda: services.diary_log(user=bob, film=film, watched_on=today, liked=True, is_private=True),
    ]
    for step in steps:
        step()
        film.refresh_from_db()
        public = [float(r.stars) for r in Rating.objects.filter(film=film, is_private=False, stars__isnull=False)]
        assert film.rating_count == len(public)
        assert film.rating_mean == pytest.approx(sum(public) / len(public) if public else None)
        summary = selectors.film_rating_summary(film=film)
        assert summary.count == len(public)


def test_a_public_review_does_not_carry_private_stars(private_entry, alice):
    review = services.review_create(user=alice, film=private_entry.film, text="Public words")
    assert review.stars is None and not review.is_private
