from __future__ import annotations

import json

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aesthetics import services
from aesthetics.models import ImageAesthetics
from tests.aesthetics.conftest import add_image, image_bytes
from tests.factories import make_film

pytestmark = pytest.mark.django_db


@pytest.fixture
def red_film(text_encoder_stub):
    film = make_film("Crimson Tide", year=1995, plot="A submarine crew mutinies.")
    film.poster = add_image(film, image_bytes("#d01010"))
    film.save(update_fields=["poster"])
    services.images_analyse()
    services.texts_embed()
    return film


def test_vibe_page_anonymous_shows_examples_and_results(client, red_film):
    page = client.get(reverse("aesthetics:vibe"))
    assert page.status_code == 200 and b"rain with neon reflections" in page.content
    results = client.get(reverse("aesthetics:vibe"), {"q": "red"})
    assert results.status_code == 200
    assert b"Crimson Tide" in results.content and b"poster colours:" in results.content


def test_vibe_page_signed_in_offers_match_my_taste(client, alice, red_film):
    client.force_login(alice)
    response = client.get(reverse("aesthetics:vibe"), {"q": "red", "taste": "on"})
    assert response.status_code == 200 and b"Match my taste" in response.content
    assert b"Crimson Tide" in response.content


def test_htmx_request_gets_only_the_results_fragment(client, red_film):
    response = client.get(reverse("aesthetics:vibe"), {"q": "red"}, headers={"HX-Request": "true"})
    assert b'id="vibe-results"' in response.content and b"<html" not in response.content


def test_bad_query_is_a_400_with_a_message(client, db):
    response = client.get(reverse("aesthetics:vibe"), {"q": "x" * 400})
    assert response.status_code == 400


def test_wrong_method_is_refused(client, db):
    assert client.post(reverse("aesthetics:vibe"), {"q": "red"}).status_code == 405
    assert client.post(reverse("aesthetics:api_vibe"), {"q": "red"}).status_code == 405


def test_api_returns_films_with_signals_and_image(client, red_film):
    payload = client.get(reverse("aesthetics:api_vibe"), {"q": "red submarine", "k": 5}).json()
    first = payload["results"][0]
    assert first["title"] == "Crimson Tide" and first["image"]["palette"][0]["hex"]
    assert set(first["signals"]) == {"palette", "text"} and payload["signals"]["clip"] == "off"
    assert client.get(reverse("aesthetics:api_vibe")).status_code == 400
    assert client.get(reverse("aesthetics:api_vibe"), {"q": "red", "k": "many"}).status_code == 400


def test_more_like_this_image_page(client, red_film):
    other = make_film("Red Alert")
    add_image(other, image_bytes("#c01818"))
    services.images_analyse()
    image = red_film.poster
    response = client.get(reverse("aesthetics:more_like_image", args=[image.pk]))
    assert response.status_code == 200 and b"Red Alert" in response.content
    assert client.get(reverse("aesthetics:more_like_image", args=[999999])).status_code == 404


def test_film_section_costs_one_query_whatever_the_number_of_images(red_film):
    template = Template('{% include "aesthetics/film_section.html" %}')
    with CaptureQueriesContext(connection) as one_image:
        html = template.render(Context({"film": red_film}))
    for colour in ("#00ff00", "#0000ff", "#ffff00"):
        add_image(red_film, image_bytes(colour), kind="still")
    services.images_analyse()
    with CaptureQueriesContext(connection) as four_images:
        template.render(Context({"film": red_film}))
    assert len(one_image) == len(four_images) == 1
    assert "#d01010" in html.lower() and "More like this image" in html


def test_vibe_search_command_prints_json(red_film, capsys):
    from django.core.management import call_command

    call_command("vibe_search", "red", "-k", "3", "--json")
    items = json.loads(capsys.readouterr().out)
    assert items[0]["title"] == "Crimson Tide" and {"movielens_id", "score", "signals", "image"} <= set(items[0])


def test_film_section_says_how_much_of_the_image_has_no_colour_and_when_that_is_not_measured(red_film):
    template = Template('{% include "aesthetics/film_section.html" %}')
    html = template.render(Context({"film": red_film}))
    assert "Without colour</dt><dd>0%" in html
    ImageAesthetics.objects.update(greyscale=None)  # analysed before the measure existed
    assert "Without colour</dt><dd>not measured yet" in template.render(Context({"film": red_film}))


def test_failed_images_show_no_palette(client, db):
    film = make_film("Broken")
    add_image(film, b"garbage", name="x.jpg")
    services.images_analyse()
    assert ImageAesthetics.objects.get().status == "failed"
    html = Template('{% include "aesthetics/film_section.html" %}').render(Context({"film": film}))
    assert "not been analysed" in html
