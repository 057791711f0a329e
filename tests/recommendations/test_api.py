"""GET /api/me/recommendations/: the recommendations page's list, with mode and filters as query parameters."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from reviews.sentiment.emotions import MOODS
from reviews.services import rating_set
from tests.factories import make_member

pytestmark = pytest.mark.django_db

URL = "/api/me/recommendations/"


@pytest.fixture
def action_fan(trained):
    member = make_member("fan")
    for film in trained["action"][:3]:
        rating_set(user=member, film=film, stars="5")
    client = APIClient()
    client.force_authenticate(member)
    return client


def test_it_lists_films_with_reasons_never_one_already_rated(action_fan, trained):
    body = action_fan.get(URL, {"limit": 4}).json()
    assert body["source"] in ("model", "cold-start") and body["liked_count"] == 3
    assert len(body["results"]) == 4
    rated = {film.pk for film in trained["action"][:3]}
    assert not rated & {item["film"]["id"] for item in body["results"]}
    assert set(body["results"][0]) == {"film", "score", "reasons"}
    assert body["results"][0]["reasons"]


def test_the_genre_and_decade_filters_keep_matching_films(action_fan, trained):
    romance = action_fan.get(URL, {"genre": "romance"}).json()["results"]
    assert romance and {item["film"]["id"] for item in romance} <= {film.pk for film in trained["romance"]}
    eighties = action_fan.get(URL, {"decade": 1980}).json()["results"]
    assert eighties and all(1980 <= item["film"]["year"] < 1990 for item in eighties)


@pytest.mark.parametrize("mode", ["accurate", "gems", "surprise"])
def test_every_mode_answers(action_fan, mode):
    assert action_fan.get(URL, {"mode": mode, "diversity": "0.5"}).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"mode": "best"},
        {"diversity": "2"},
        {"diversity": "nan"},
        {"diversity": "inf"},
        {"diversity": "abc"},
        {"mood": "sleepy"},
        {"genre": "no-such-genre"},
        {"decade": "1985"},
        {"decade": "abc"},
        {"limit": "0"},
        {"limit": "1000"},
        {"mood": ""},
        {"mode": ""},
    ],
)
def test_bad_parameters_are_a_400_naming_them(action_fan, params):
    response = action_fan.get(URL, params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_a_nul_byte_is_a_400(action_fan):
    assert action_fan.get(URL, {"genre": "bad\x00slug"}).status_code == 400


def test_a_mood_filter_is_accepted(action_fan):
    assert action_fan.get(URL, {"mood": next(iter(MOODS))}).status_code == 200


def test_visitors_are_refused(db):
    assert APIClient().get(URL).status_code in (401, 403)
    assert APIClient().post(URL).status_code in (401, 403, 405)


def test_it_is_in_the_openapi_schema(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/me/recommendations/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"mode", "diversity", "mood", "genre", "decade", "limit"}
