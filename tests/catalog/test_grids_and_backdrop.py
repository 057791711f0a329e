"""Card grids end on whole rows; the film page shows a backdrop when the film has one."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from catalog.models import FilmImage
from catalog.selectors import GRID_ROW, whole_rows
from tests.factories import make_film, make_poster


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
