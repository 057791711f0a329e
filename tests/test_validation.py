"""The shared parsers refuse every value PostgreSQL or int() would choke on, and accept what they should."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cineaesthete.validation import MAX_ID, clean_line, clean_text, parse_id, parse_int, parse_optional_id
from reviews import services
from reviews.models import FilmList, FilmListEntry, Review

BAD_IDS = ["", "abc", "²", "١٢", "12a", "-1", "0", "1.5", " 1", str(MAX_ID + 1), "9" * 30, "\x00", None, True, 1.0, []]


@pytest.mark.parametrize("value", BAD_IDS, ids=repr)
def test_parse_id_refuses_what_is_not_a_primary_key(value):
    with pytest.raises(ValidationError):
        parse_id(value)


@pytest.mark.parametrize("value", [1, "1", "42", str(MAX_ID), MAX_ID])
def test_parse_id_round_trips_primary_keys(value):
    assert parse_id(value) == int(value) and str(parse_id(str(value))) == str(value)


def test_parse_optional_id_and_parse_int():
    assert parse_optional_id("") is None and parse_optional_id(None) is None and parse_optional_id("7") == 7
    assert parse_int("-1990", name="year", minimum=-9999, maximum=9999) == -1990
    for bad in ("²", "99999", "1e3", "", "--1"):
        with pytest.raises(ValidationError):
            parse_int(bad, name="year", minimum=-9999, maximum=9999)


@pytest.mark.parametrize("text", ["a\x00b", "\x00", "x" * 101, 12, ["a"]], ids=repr)
def test_clean_text_refuses_nul_overlong_and_non_text(text):
    with pytest.raises(ValidationError):
        clean_text(text, max_length=100)


def test_clean_text_normalises_line_ends_and_lines_fold_whitespace():
    assert clean_text(" a\r\nb ", max_length=10) == "a\nb"
    assert clean_line(" a \n  b ", max_length=10) == "a b"
    with pytest.raises(ValidationError):
        clean_text("  ", max_length=10, required=True)


# --- each way text and ids arrive, with the values that used to give 500s --------------------------------


@pytest.fixture
def own_list(alice, film):
    film_list = services.list_create(user=alice, title="Mine")
    services.list_add(film_list=film_list, film=film, note="Kept")
    return film_list


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["x\x00y", "x" * 20001])
def test_review_text_is_refused_the_same_way_by_service_form_and_api(client, alice, film, text):
    with pytest.raises(ValidationError):
        services.review_create(user=alice, film=film, text=text)
    client.force_login(alice)
    client.post(reverse("reviews:review_new", args=[film.pk]), {"text": text})
    response = client.post("/api/reviews/", {"film_id": film.pk, "text": text}, content_type="application/json")
    assert response.status_code == 400
    with pytest.raises(ValidationError):
        services.diary_log(user=alice, film=film, watched_on=datetime.date.today(), review_text=text)
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_a_nul_note_on_the_list_edit_form_saves_nothing(client, alice, film, own_list):
    client.force_login(alice)
    response = client.post(
        reverse("reviews:list_edit", args=[own_list.pk]),
        {"title": "Renamed", "description": "", "is_public": "on", f"note-{film.pk}": "bad\x00note"},
    )
    assert response.status_code == 400
    own_list.refresh_from_db()
    assert own_list.title == "Mine" and FilmListEntry.objects.get().note == "Kept"


@pytest.mark.django_db
@pytest.mark.parametrize("film_value", ["abc", "²", "9" * 30, "-3"])
def test_list_forms_refuse_bad_film_ids_before_writing(client, alice, film, own_list, film_value):
    client.force_login(alice)
    assert client.post(reverse("reviews:list_new"), {"title": "New", "film": film_value}).status_code == 400
    assert FilmList.objects.count() == 1
    for name in ("list_remove", "list_move"):
        url = reverse(f"reviews:{name}", args=[own_list.pk])
        assert client.post(url, {"film": film_value, "position": "1"}).status_code == 400
    add = client.post(reverse("reviews:list_add"), {"list": own_list.pk, "film": film_value, "note": "n"})
    assert add.status_code == 400
    assert (
        client.post(reverse("reviews:list_add"), {"list": own_list.pk, "film": film.pk, "note": "\x00"}).status_code
        == 400
    )
    assert list(FilmListEntry.objects.values_list("film_id", "note")) == [(film.pk, "Kept")]


@pytest.mark.django_db
def test_favourites_refuse_superscript_digits(client, alice, film):
    services.rating_set(user=alice, film=film, stars=4)
    client.force_login(alice)
    assert client.post(reverse("reviews:favourites_edit"), {"film1": film.pk, "film2": "²"}).status_code == 400
    assert not alice.favourite_films.exists()


@pytest.mark.django_db
def test_api_refuses_non_numeric_ids_and_non_object_bodies(client, alice, film):
    review = services.review_create(user=alice, film=film, text="Fine")
    client.force_login(alice)
    for url in ("/api/lists/abc/entries/", "/api/lists/abc/reorder/", "/api/reviews/abc/like/"):
        assert client.post(url, {}, content_type="application/json").status_code == 404
    assert client.get("/api/reviews/?film=²").status_code == 400
    assert client.get("/api/reviews/?author=a%00b").status_code == 400
    response = client.put(f"/api/reviews/{review.pk}/", "[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert Review.objects.get().text == "Fine"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=a%00",
        "/members/a%00b/",
        "/api/members/a%00b/",
        "/api/lists/?owner=%00",
        "/members/alice/diary/99999/",
    ],
)
def test_nul_in_urls_and_impossible_years_are_client_errors(client, alice, url):
    assert client.get(url).status_code in (400, 404)
