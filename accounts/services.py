"""Writes on a member's own profile: display name, bio, avatar, country, privacy defaults."""

from __future__ import annotations

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from .countries import COUNTRIES
from .models import User

AVATAR_MAX_BYTES = 5 * 1024 * 1024
AVATAR_SIDE = 256
# Pillow picks a decoder from the file's content; only these ever run on a member's upload.
AVATAR_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


def avatar_normalise(data: bytes) -> bytes:
    """A square 256 px JPEG from an uploaded image, or ValidationError for anything else."""
    if len(data) > AVATAR_MAX_BYTES:
        raise ValidationError(f"The picture is larger than {AVATAR_MAX_BYTES // (1024 * 1024)} MB.")
    try:
        with Image.open(io.BytesIO(data), formats=AVATAR_FORMATS) as image:
            if image.width * image.height > 40_000_000:
                raise ValidationError("The picture has too many pixels.")
            image = image.convert("RGB")
            side = min(image.size)
            left, top = (image.width - side) // 2, (image.height - side) // 2
            image = image.crop((left, top, left + side, top + side)).resize((AVATAR_SIDE, AVATAR_SIDE))
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=88)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ValidationError("Upload a JPEG, PNG, WebP or GIF picture.") from error
    return buffer.getvalue()


@transaction.atomic
def profile_update(
    *,
    user: User,
    display_name: str,
    bio: str,
    country: str,
    diary_private_by_default: bool,
    avatar: bytes | None = None,
    avatar_clear: bool = False,
) -> User:
    """Save the member's own settings; the form has already cleaned the text (length, no NUL bytes)."""
    if country and country not in COUNTRIES:
        raise ValidationError({"country": "Pick a country from the list."})
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    user.country = country
    user.diary_private_by_default = diary_private_by_default
    fields = ["display_name", "bio", "country", "diary_private_by_default"]
    if avatar_clear and user.avatar:
        user.avatar.delete(save=False)
        user.avatar = ""
        fields.append("avatar")
    if avatar is not None:
        content = avatar_normalise(avatar)
        if user.avatar:
            user.avatar.delete(save=False)
        user.avatar.save(f"{user.pk}-{uuid.uuid4().hex[:8]}.jpg", ContentFile(content), save=False)
        fields.append("avatar")
    user.save(update_fields=fields)
    return user
