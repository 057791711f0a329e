"""What TMDb's data looks like on the film and person pages, the trailer's CSP, and the footer attribution."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Credit
from catalog.tmdb.sync import tmdb_film_store
from tests.catalog.tmdb_server import recorded
from tests.factories import make_film

pytestmark = pytest.mark.django_db


@pytest.fixture
def fight_club():
    film = make_film("Fight Club", year=1999, tmdb_id=550)
    tmdb_film_store(film_id=film.pk, payload=recorded("movie_550_appended.json"), images=[])
    film.refresh_from_db()
    return film


def test_the_film_page_shows_crew_keywords_releases_and_a_click_to_load_trailer(client, fight_club):
    response = client.get(fight_club.get_absolute_url())
    page = response.content.decode()
    for text in [
        "Mischief. Mayhem. Soap.",
        "Cinematography",
        "Jeff Cronenweth",
        "Music",
        "The Dust Brothers",
        "Editing",
        "Production design",
        "nihilism",
        "Release dates and certificates in 3 countries",
    ]:
        assert text in page
    assert 'data-youtube-key="BdJKm16Co6M"' in page
    # Nothing from YouTube before the click: no iframe, no thumbnail, only the button and a plain link.
    assert "<iframe" not in page and "ytimg" not in page and "youtube-nocookie.com/embed" not in page
    policy = response["Content-Security-Policy"]
    assert "frame-src https://www.youtube-nocookie.com" in policy and "script-src 'self'" in policy


def test_a_film_without_trailer_keeps_the_strict_policy(client, film):
    policy = client.get(film.get_absolute_url())["Content-Security-Policy"]
    assert "youtube" not in policy


def test_the_person_page_lists_crew_by_job(client, fight_club):
    fincher = Credit.objects.filter(film=fight_club, job="Executive Producer").get().person
    response = client.get(reverse("catalog:person_detail", args=[fincher.pk]))
    assert [section.label for section in response.context["sections"]] == ["Director", "Executive Producer"]
    cronenweth = Credit.objects.get(film=fight_club, job="Director of Photography").person
    response = client.get(reverse("catalog:person_detail", args=[cronenweth.pk]))
    assert [section.label for section in response.context["sections"]] == ["Director of Photography"]


def test_the_footer_credits_tmdb_only_when_it_is_used(client, film, settings):
    settings.TMDB_API_KEY, settings.TMDB_READ_TOKEN = "", ""
    assert "not endorsed or certified by TMDB" not in client.get("/").content.decode()
    settings.TMDB_API_KEY = "key"
    assert "This product uses the TMDB API but is not endorsed or certified by TMDB" in client.get("/").content.decode()


def test_without_a_key_staff_see_what_a_key_would_add(client, film, staff, alice, settings):
    settings.TMDB_API_KEY, settings.TMDB_READ_TOKEN = "", ""
    client.force_login(alice)
    assert "With a TMDb key" not in client.get(film.get_absolute_url()).content.decode()
    client.force_login(staff)
    assert "With a TMDb key" in client.get(film.get_absolute_url()).content.decode()
