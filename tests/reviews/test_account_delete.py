"""Deleting an account: a clear statement, the export offered, the password asked, everything gone."""

from __future__ import annotations

import datetime

from django.urls import reverse

from accounts.models import User
from catalog.models import Film
from reviews import services
from reviews.models import DiaryEntry, FilmList, Rating, Review

URL = reverse("reviews:account_delete")


def _history(member, film):
    services.rating_set(user=member, film=film, stars="5")
    services.review_create(user=member, film=film, text="A masterpiece.", contains_spoilers=False)
    services.diary_log(user=member, film=film, watched_on=datetime.date(2024, 5, 1))
    services.list_create(user=member, title="Best")


def test_the_page_says_what_is_deleted_and_offers_the_export_first(client, alice):
    client.force_login(alice)
    html = client.get(URL).content.decode()
    assert reverse("reviews:letterboxd_export") in html and "ratings" in html and "reviews" in html


def test_a_wrong_password_deletes_nothing(client, alice, film):
    _history(alice, film)
    client.force_login(alice)
    response = client.post(URL, {"password": "wrong"})
    assert response.status_code == 400
    assert User.objects.filter(pk=alice.pk).exists() and Rating.objects.filter(user=alice).exists()


def test_the_member_and_all_they_made_are_deleted_and_averages_follow(client, alice, bob, film):
    _history(alice, film)
    services.rating_set(user=bob, film=film, stars="1")
    services.film_rating_stats_refresh()
    client.force_login(alice)
    response = client.post(URL, {"password": "correct-horse-battery"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=alice.pk).exists()
    assert not Rating.objects.filter(user_id=alice.pk).exists()
    assert not Review.objects.filter(user_id=alice.pk).exists()
    assert not DiaryEntry.objects.filter(user_id=alice.pk).exists()
    assert not FilmList.objects.filter(user_id=alice.pk).exists()
    film = Film.objects.get(pk=film.pk)
    assert (film.rating_count, film.rating_mean) == (1, 1.0)
    assert "_auth_user_id" not in client.session


def test_anonymous_and_get_are_harmless(client, db):
    assert client.post(URL, {"password": "x"}).status_code == 302
