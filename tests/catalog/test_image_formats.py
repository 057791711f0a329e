"""Only JPEG, PNG, WebP and GIF reach Pillow's decoders, whatever a file is called."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import EpsImagePlugin, Image

from aesthetics.palette import ImageRejected, load_pixels
from catalog.ingest.images import InvalidImage, check_image
from catalog.models import FilmImage
from tests.factories import make_film

# A real, tiny Encapsulated PostScript file: Pillow recognises it and would render it with Ghostscript.
EPS = (
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 16 16\n%%EndComments\n"
    b"newpath 0 0 moveto 16 0 lineto 16 16 lineto closepath fill\nshowpage\n%%EOF\n"
)
REFUSED_FORMATS = ["BMP", "TIFF", "PPM", "ICO", "PCX", "TGA", "SGI", "DDS", "JPEG2000", "SPIDER", "EPS"]
ACCEPTED_FORMATS = ["JPEG", "PNG", "WEBP", "GIF"]
LIMITS = {"max_pixels": 10_000_000, "max_side": 10_000}


def encoded(image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 40, 40)).save(buffer, image_format)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _no_ghostscript(monkeypatch):
    """Fail loudly if anything hands a file to Ghostscript."""

    def ghostscript(*args, **kwargs):
        raise AssertionError("Ghostscript was started")

    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", ghostscript)


def test_the_eps_fixture_is_one_pillow_would_otherwise_decode():
    assert Image.open(io.BytesIO(EPS)).format == "EPS"


@pytest.mark.parametrize("image_format", REFUSED_FORMATS)
def test_every_other_format_is_refused_with_a_clear_reason(image_format):
    content = EPS if image_format == "EPS" else encoded(image_format)

    with pytest.raises(InvalidImage, match="not a JPEG, PNG, WebP or GIF image"):
        check_image(content, **LIMITS)
    with pytest.raises(ImageRejected):
        load_pixels(io.BytesIO(content))


@pytest.mark.parametrize("image_format", ACCEPTED_FORMATS)
def test_the_four_web_formats_are_accepted(image_format):
    checked = check_image(encoded(image_format), **LIMITS)

    assert (checked.width, checked.height) == (16, 16)
    assert load_pixels(io.BytesIO(encoded(image_format))).shape == (64, 64, 3)


@pytest.mark.django_db
def test_an_eps_named_jpg_is_refused_by_the_image_ingest_and_nothing_is_stored(tmp_path):
    film = make_film("Alien", movielens_id=1)
    folder = tmp_path / "posters"
    folder.mkdir()
    (folder / "1.jpg").write_bytes(EPS)
    (folder / "1_2.jpg").write_bytes(encoded("TIFF"))
    out, err = StringIO(), StringIO()

    call_command("ingest_images", str(folder), stdout=out, stderr=err)

    assert f"skipped {folder / '1.jpg'}: not a JPEG, PNG, WebP or GIF image" in err.getvalue()
    assert "2 rejected" in out.getvalue()
    assert not FilmImage.objects.filter(film=film).exists()


@pytest.mark.django_db
def test_an_upload_in_another_format_fails_model_validation():
    film = make_film("Alien")
    image = FilmImage(film=film, content_hash="0" * 64, file=SimpleUploadedFile("poster.jpg", EPS))

    with pytest.raises(ValidationError, match="not a JPEG, PNG, WebP or GIF image"):
        image.full_clean()

    image.file = SimpleUploadedFile("poster.jpg", encoded("JPEG"))
    image.full_clean()
