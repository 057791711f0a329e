"""Card grids end on whole rows; the film page shows a backdrop when the film has one."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from catalog.models import Credit, FilmImage
from catalog.selectors import GRID_PAGE, GRID_ROW, whole_rows
from tests.factories import make_film, make_member, make_person, make_poster


@pytest.mark.parametrize("count", range(0, 61))
def test_whole_rows_never_leaves_a_lonely_card_in_any_grid(count):
    kept = whole_rows(list(range(count)))
    assert kept == list(range(len(kept)))  # a prefix: the best-ranked cards stay
    assert count - len(kept) < GRID_ROW  # less than one row is dropped
    if count >= GRID_ROW:
        for columns in (2, 3, 4, 6):  # the column counts of .grid in site.css
            assert len(kept) % columns != 1


def _backdrop(film) -> FilmImage:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), (10, 40, 90)).save(buffer, format="JPEG")
    content = buffer.getvalue()
    image = FilmImage(film=film, kind=FilmImage.Kind.BACKDROP, content_hash=hashlib.sha256(content).hexdigest())
    image.file.save("backdrop.jpg", ContentFile(content), save=False)
    image.width, image.height = 64, 36
    image.save()
    return image


def test_the_film_page_shows_the_backdrop_when_there_is_one(client, db):
    film = make_film("Lawrence of Arabia", year=1962)
    make_poster(film)
    page = client.get(reverse("catalog:film_detail", args=[film.pk])).content.decode()
    assert "film-backdrop" not in page
    image = _backdrop(film)
    page = client.get(reverse("catalog:film_detail", args=[film.pk])).content.decode()
    assert f'<img class="film-backdrop" src="{image.file.url}" alt=""' in page
    # The poster stays the poster.
    assert f'src="{film.poster.file.url}"' in page


def _card_titles(html: str) -> list[str]:
    return re.findall(r'<a class="title" href="[^"]*">([^<]*)</a>', html)


def test_a_long_filmography_pages_in_whole_rows_and_reaches_every_film(client, db):
    director = make_person("Prolific Director")
    actor_films = []
    for n in range(GRID_PAGE + 7):
        film = make_film(f"Film {n:02d}", year=1950 + n)
        Credit.objects.create(film=film, person=director, role=Credit.Role.DIRECTOR)
        if n < 3:
            Credit.objects.create(film=film, person=director, role=Credit.Role.CAST, character="Cameo")
            actor_films.append(film.title)
    url = reverse("catalog:person_detail", args=[director.pk])
    first = client.get(url).content.decode()
    shown = _card_titles(first)
    # Directing: a full page of whole rows (24 divides by 2, 3, 4 and 6); acting: its three films.
    assert len(shown) == GRID_PAGE + 3
    assert all(len(shown[:GRID_PAGE]) % columns == 0 for columns in (2, 3, 4, 6))
    assert "Page 1 of 2" in first and 'href="?section=director&amp;page=2#director"' in first
    second = _card_titles(client.get(url, {"section": "director", "page": "2"}).content.decode())
    directed = shown[:GRID_PAGE] + second[:-3]
    assert sorted(directed) == [f"Film {n:02d}" for n in range(GRID_PAGE + 7)]  # every film, once
    assert second[-3:] == actor_films  # the other section stays on its first page
    for hostile in ("0", "-1", "abc", "9" * 30):  # a page that is not one: a page all the same
        assert client.get(url, {"section": "director", "page": hostile}).status_code == 200
    assert client.get(url, {"section": "director\x00", "page": "1\x00"}).status_code == 400  # NUL: refused


def test_a_long_watchlist_pages_in_whole_rows_and_reaches_every_film(client, db):
    from reviews.services import watchlist_add

    member = make_member("keeper")
    titles = [f"Someday {n:02d}" for n in range(GRID_PAGE + 5)]
    for title in titles:
        watchlist_add(user=member, film=make_film(title))
    url = reverse("reviews:watchlist", args=[member.username])
    first = client.get(url).content.decode()
    assert len(_card_titles(first)) == GRID_PAGE  # whole rows in 2-, 3-, 4- and 6-column grids
    assert f"{GRID_PAGE + 5} films" in first and "Page 1 of 2" in first
    second = client.get(url, {"page": "2"}).content.decode()
    assert sorted(_card_titles(first) + _card_titles(second)) == titles
    assert 'href="?page=1" rel="prev"' in second
    # The sort survives paging: the next link keeps it.
    assert 'href="?sort=year&amp;page=2"' in client.get(url, {"sort": "year"}).content.decode()
    for hostile in ("0", "-1", "abc", "9" * 30):
        assert client.get(url, {"page": hostile}).status_code == 200
    assert client.get(url, {"page": "1\x00"}).status_code == 400
