from __future__ import annotations

import hashlib
import io
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from catalog.models import Film, FilmImage
from catalog.services.images import film_images_ingest
from tests.factories import make_film

pytestmark = pytest.mark.django_db


def jpeg_bytes(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (40, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def ingest(directory: Path, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("ingest_images", str(directory), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def films(db):
    return [make_film(f"Film {n}", movielens_id=n, imdb_id=f"tt{n:07d}") for n in (1, 2, 3)]


def test_it_stores_posters_under_media_root_and_sets_missing_posters(tmp_path, settings, films):
    folder = tmp_path / "posters"
    folder.mkdir()
    content = jpeg_bytes()
    (folder / "1.jpg").write_bytes(content)
    (folder / "2.jpg").write_bytes(jpeg_bytes((10, 10, 200)))
    (folder / "4000.jpg").write_bytes(jpeg_bytes())  # no such film
    (folder / "notes.txt").write_text("ignored: not an image name")

    output, _ = ingest(folder, "--key", "movielens", "--kind", "poster")

    image = FilmImage.objects.get(film=films[0])
    digest = hashlib.sha256(content).hexdigest()
    assert (image.kind, image.content_hash, image.width, image.height) == ("poster", digest, 40, 60)
    assert image.file.name == f"images/{digest[:2]}/{digest}.jpg"
    assert (Path(settings.MEDIA_ROOT) / image.file.name).read_bytes() == content
    assert Film.objects.get(pk=films[0].pk).poster == image
    assert Film.objects.get(pk=films[2].pk).poster is None
    assert "2 stored" in output and "1 with no matching film" in output and "2 films got a poster" in output


def test_bad_files_are_reported_and_the_rest_continue(tmp_path, films):
    folder = tmp_path / "posters"
    folder.mkdir()
    (folder / "1.jpg").write_bytes(b"this is not an image")
    (folder / "2.jpg").write_bytes(jpeg_bytes()[:200])  # truncated
    (folder / "3.jpg").write_bytes(jpeg_bytes())

    output, errors = ingest(folder)

    assert list(FilmImage.objects.values_list("film__movielens_id", flat=True)) == [3]
    assert "1.jpg" in errors and "2.jpg" in errors
    assert "2 rejected" in output


def test_images_over_the_pixel_limit_are_rejected_before_decoding(tmp_path, settings, films):
    settings.IMAGE_MAX_PIXELS = 1000
    folder = tmp_path / "posters"
    folder.mkdir()
    (folder / "1.jpg").write_bytes(jpeg_bytes(size=(40, 60)))  # 2,400 pixels
    (folder / "2.jpg").write_bytes(jpeg_bytes(size=(20, 30)))  # 600 pixels

    summary = film_images_ingest(directory=folder, key="movielens", kind="poster")

    assert summary.stored == 1
    assert [(Path(path).name, "over the 1,000-pixel limit" in reason) for path, reason in summary.rejected] == [
        ("1.jpg", True)
    ]


def test_absurd_dimensions_are_rejected(tmp_path, settings, films):
    settings.IMAGE_MAX_SIDE = 500
    folder = tmp_path / "posters"
    folder.mkdir()
    (folder / "1.png").write_bytes(_png(2000, 10))

    summary = film_images_ingest(directory=folder, key="movielens", kind="poster")

    assert summary.stored == 0 and "implausible size" in summary.rejected[0][1]


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


def test_duplicates_are_skipped_and_shared_bytes_are_stored_once(tmp_path, settings, films):
    folder = tmp_path / "stills"
    folder.mkdir()
    content = jpeg_bytes()
    (folder / "tt0000001.jpg").write_bytes(content)
    (folder / "tt0000001_2.jpg").write_bytes(content)  # the same still twice
    (folder / "tt0000002.jpg").write_bytes(content)  # and on another film

    ingest(folder, "--key", "imdb", "--kind", "still")
    output, _ = ingest(folder, "--key", "imdb", "--kind", "still")

    assert sorted(FilmImage.objects.values_list("film__movielens_id", "kind")) == [(1, "still"), (2, "still")]
    assert len(list((Path(settings.MEDIA_ROOT) / "images").rglob("*.jpg"))) == 1
    assert Film.objects.filter(poster__isnull=False).count() == 0  # stills are not posters
    assert "0 stored, 3 already there" in output


def test_an_existing_poster_is_kept_and_limit_stops_early(tmp_path, films):
    folder = tmp_path / "posters"
    folder.mkdir()
    (folder / "1.jpg").write_bytes(jpeg_bytes((1, 2, 3)))
    (folder / "2.jpg").write_bytes(jpeg_bytes())
    ingest(folder, "--limit", "1")
    first = FilmImage.objects.get()
    (folder / "1_alt.jpg").write_bytes(jpeg_bytes((250, 250, 250)))

    ingest(folder)

    assert FilmImage.objects.count() == 3
    assert Film.objects.get(movielens_id=1).poster == first


def test_a_missing_directory_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="not a directory"):
        ingest(tmp_path / "nope")
