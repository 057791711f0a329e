"""The "make new diary entries private" setting decides every new entry's privacy, whichever way it is logged.

The setting was saved but read by nothing: the log form's box started unticked and the API's default was public,
so a member who asked for privacy published their stars, review and activity. Each way of logging a viewing is
driven as its client would drive it (the web form as a browser submits it as shown), with the setting on and off.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from reviews import services
from reviews.models import Activity, DiaryEntry, Rating, Review

pytestmark = pytest.mark.django_db

WORDS = "Words the member may want kept to herself"
WATCHED_ON = datetime.date(2024, 5, 1)


def by_service(member, film) -> DiaryEntry:
    return services.diary_log(user=member, film=film, watched_on=WATCHED_ON, stars="4.0", review_text=WORDS)


def _by_api(member, film, body_format: str) -> DiaryEntry:
    client = APIClient()
    client.force_login(member)
    body = {"film_id": film.pk, "watched_on": WATCHED_ON.isoformat(), "stars": "4.0", "review_text": WORDS}
    response = client.post("/api/me/diary/", body, format=body_format)
    assert response.status_code == 201, response.content
    return DiaryEntry.objects.get(pk=response.json()["id"])


def by_api_json(member, film) -> DiaryEntry:
    return _by_api(member, film, "json")


def by_api_form(member, film) -> DiaryEntry:
    return _by_api(member, film, "multipart")


def by_web_form(member, film) -> DiaryEntry:
    """Open the log form and submit it untouched, as a browser would: a ticked box is posted, an unticked one not."""
    client = Client()
    client.force_login(member)
    url = reverse("reviews:diary_log", args=[film.pk])
    page = client.get(url).content.decode()
    box = re.search(r'<input[^>]*name="is_private"[^>]*>', page)
    assert box, "the log form has no privacy box"
    body = {"watched_on": WATCHED_ON.isoformat(), "stars": "4.0", "review_text": WORDS}
    if re.search(r"\bchecked\b", box.group(0)):
        body["is_private"] = "on"
    assert client.post(url, body).status_code == 302
    return DiaryEntry.objects.get(user=member, film=film)


@pytest.mark.parametrize("private_by_default", [True, False], ids=["setting-on", "setting-off"])
@pytest.mark.parametrize("log", [by_service, by_api_json, by_api_form, by_web_form], ids=lambda log: log.__name__)
def test_a_new_entry_follows_the_members_private_by_default_setting(alice, film, log, private_by_default):
    alice.diary_private_by_default = private_by_default
    alice.save(update_fields=["diary_private_by_default"])
    entry = log(alice, film)
    rating = Rating.objects.get(user=alice, film=film)
    review = Review.objects.get(user=alice, film=film)
    assert (entry.is_private, rating.is_private, review.is_private) == (private_by_default,) * 3
    assert Activity.objects.filter(user=alice).exists() is not private_by_default


@pytest.mark.parametrize("explicit", [True, False])
def test_a_choice_made_for_one_entry_beats_the_default(alice, film, explicit):
    alice.diary_private_by_default = not explicit
    alice.save(update_fields=["diary_private_by_default"])
    client = APIClient()
    client.force_login(alice)
    body = {"film_id": film.pk, "watched_on": WATCHED_ON.isoformat(), "is_private": explicit}
    response = client.post("/api/me/diary/", body, format="json")
    assert response.status_code == 201
    assert DiaryEntry.objects.get(pk=response.json()["id"]).is_private is explicit
