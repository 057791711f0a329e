"""A member's own settings page: every field validated in one form, hostile input a 400 with nothing saved."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import User

URL = reverse("accounts:settings")
VALID = {"display_name": "Alice L.", "bio": "Loves slow cinema.", "country": "FR", "diary_private_by_default": "on"}


def _image(fmt: str = "PNG", size=(300, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_member_edits_name_bio_country_privacy_and_picture(client, alice):
    client.force_login(alice)
    upload = SimpleUploadedFile("me.png", _image(), content_type="image/png")
    response = client.post(URL, {**VALID, "avatar": upload})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.display_name, alice.bio, alice.country, alice.diary_private_by_default) == (
        "Alice L.",
        "Loves slow cinema.",
        "FR",
        True,
    )
    with Image.open(alice.avatar.path) as stored:
        assert (stored.format, stored.size) == ("JPEG", (256, 256))
    profile = client.get(reverse("reviews:profile", args=[alice.username])).content.decode()
    assert "Alice L." in profile and alice.avatar.url in profile and "Edit profile" in profile


@pytest.mark.parametrize(
    "field, value",
    [
        ("display_name", "Al\x00ice"),
        ("bio", "bio\x00"),
        ("display_name", "x" * 101),
        ("bio", "x" * 2001),
        ("country", "XX"),
        ("country", "fr\x00"),
    ],
)
def test_hostile_text_is_a_400_and_saves_nothing(client, alice, field, value):
    client.force_login(alice)
    response = client.post(URL, {**VALID, field: value})
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.display_name == "" and alice.country == "" and alice.bio == ""


@pytest.mark.parametrize(
    "name, content",
    [
        ("eps.jpg", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"),
        ("text.png", b"not an image at all"),
        ("tiff.png", None),
    ],
)
def test_a_picture_that_is_not_an_allowed_image_is_refused(client, alice, name, content):
    if content is None:
        content = _image("TIFF")
    client.force_login(alice)
    response = client.post(URL, {**VALID, "avatar": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert b"JPEG, PNG, WebP or GIF" in response.content
    assert not User.objects.get(pk=alice.pk).avatar


def test_the_picture_can_be_removed(client, alice):
    client.force_login(alice)
    client.post(URL, {**VALID, "avatar": SimpleUploadedFile("me.png", _image())})
    client.post(URL, {**VALID, "avatar_clear": "on"})
    alice.refresh_from_db()
    assert not alice.avatar


def test_an_oversized_picture_is_refused_while_it_streams_and_nothing_changes(client, alice, monkeypatch):
    """The cap stops the body as it arrives (what is written to a temporary file never passes the cap, however
    large the body); the member gets the form back with a clear message and a 400, never a reset or a 500."""
    from django.core.files import uploadhandler

    from accounts.views import AVATAR_UPLOAD_CAP

    written = []
    monkeypatch.setattr(
        uploadhandler.TemporaryFileUploadHandler,
        "receive_data_chunk",
        lambda self, raw, start: written.append(len(raw)) or self.file.write(raw),
    )
    client.force_login(alice)
    big = SimpleUploadedFile("me.png", b"\x89PNG" + b"\0" * (7 * 1024 * 1024), content_type="image/png")
    response = client.post(URL, {**VALID, "avatar": big})
    assert response.status_code == 400 and "larger than 5 MB" in response.content.decode()
    assert sum(written) <= AVATAR_UPLOAD_CAP
    alice.refresh_from_db()
    assert not alice.avatar and alice.display_name != "Alice L."


def test_the_settings_page_still_checks_csrf(alice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(URL, VALID)
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.display_name != "Alice L."
