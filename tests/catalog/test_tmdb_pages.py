"""What TMDb's data looks like on the film and person pages, the trailer's CSP, and the footer attribution."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

from catalog.models import Credit
from catalog.tmdb.sync import tmdb_film_store
from tests.catalog.tmdb_server import Reply, recorded
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


def section_labels(response) -> list[str]:
    return [section.label for section, _page in response.context["sections"]]  # each with its page of cards


def test_the_person_page_lists_crew_by_job(client, fight_club):
    fincher = Credit.objects.filter(film=fight_club, job="Executive Producer").get().person
    response = client.get(reverse("catalog:person_detail", args=[fincher.pk]))
    assert section_labels(response) == ["Director", "Executive Producer"]
    cronenweth = Credit.objects.get(film=fight_club, job="Director of Photography").person
    response = client.get(reverse("catalog:person_detail", args=[cronenweth.pk]))
    assert section_labels(response) == ["Director of Photography"]


NOTICE = "This product uses the TMDB API but is not endorsed or certified by TMDB"


def _tmdb_logos(html: str) -> list[str]:
    return re.findall(r'<img class="tmdb-logo"\s+src="([^"]+)" alt="TMDB"', html)


def test_the_footer_credits_tmdb_only_when_it_is_used(client, film, settings):
    settings.TMDB_API_KEY, settings.TMDB_READ_TOKEN = "", ""
    page = client.get("/").content.decode()
    assert "not endorsed or certified by TMDB" not in page and not _tmdb_logos(page)
    settings.TMDB_API_KEY = "key"
    page = client.get("/").content.decode()
    assert NOTICE in page and _tmdb_logos(page) == [static("img/tmdb-logo.svg")]


def test_every_page_showing_tmdb_data_carries_the_logo_and_notice(client, alice, fight_club, tmdb):
    tmdb.route("/3/search/movie", Reply(body=recorded("search_movie_matrix.json")))
    client.force_login(alice)
    pages = {
        "film page": client.get(fight_club.get_absolute_url()),
        "search with 'Add it from TMDb'": client.get(reverse("catalog:search"), {"q": "fight"}),
        "TMDb search": client.get(reverse("catalog:tmdb_search"), {"q": "matrix"}),
        # The results the search page swaps in carry their own attribution, beside TMDb's data.
        "TMDb results fragment": client.get(reverse("catalog:tmdb_search"), {"q": "matrix"}, HTTP_HX_REQUEST="true"),
    }
    for name, response in pages.items():
        html = response.content.decode()
        assert response.status_code == 200, name
        assert NOTICE in html and _tmdb_logos(html), name
    assert "Can't find it?" in pages["search with 'Add it from TMDb'"].content.decode()


def test_the_logo_is_a_tmdb_wordmark_in_its_colours():
    logo = (settings.BASE_DIR / "static" / "img" / "tmdb-logo.svg").read_text()
    root = ElementTree.fromstring(logo)  # well-formed SVG
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")
    text = "".join(root.itertext())
    assert "TMDB" in text
    for colour in ("#90cea1", "#01b4e4"):  # TMDB's light green and light blue
        assert colour in logo.lower()
    assert "<script" not in logo and "href=" not in logo  # an image, nothing it could load or run


def test_without_a_key_staff_see_what_a_key_would_add(client, film, staff, alice, settings):
    settings.TMDB_API_KEY, settings.TMDB_READ_TOKEN = "", ""
    client.force_login(alice)
    assert "With a TMDb key" not in client.get(film.get_absolute_url()).content.decode()
    client.force_login(staff)
    assert "With a TMDb key" in client.get(film.get_absolute_url()).content.decode()
