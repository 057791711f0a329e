"""Image files named by an external id, checked before they reach the catalogue."""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".gif"}
# The only decoders Pillow may use on our images. Left to itself it picks one from the file's content,
# whatever its name: an EPS file named .jpg would be handed to Ghostscript, a PSD or TIFF to decoders we
# never meant to expose. Everything that reads an image file passes this to Image.open.
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
IMAGE_FORMATS_TEXT = "JPEG, PNG, WebP or GIF"
# "1.jpg", "tt0114709.jpg", "862_2.png" (several images of one film).
_NAME = re.compile(r"^(?P<id>(?:tt)?\d+)(?:[_-].*)?$", re.IGNORECASE)


class InvalidImage(Exception):
    pass


def open_image(source: str | Path | IO[bytes]) -> Image.Image:
    """Image.open restricted to IMAGE_FORMATS; raises InvalidImage naming the accepted formats."""
    try:
        return Image.open(source, formats=IMAGE_FORMATS)
    except UnidentifiedImageError:
        raise InvalidImage(f"not a {IMAGE_FORMATS_TEXT} image") from None


@dataclass(frozen=True)
class CheckedImage:
    content: bytes
    content_hash: str
    width: int
    height: int
    extension: str


def validate_image_format(file) -> None:
    """Model-field validator: an uploaded image (admin, forms) must be one of IMAGE_FORMATS. A file already
    in storage was checked when it arrived."""
    if getattr(file, "_committed", False):
        return
    position = file.tell() if hasattr(file, "tell") else None
    try:
        with open_image(file):
            pass
    except InvalidImage as error:
        raise ValidationError(f"{error}.", code="invalid_image_format") from None
    finally:
        if position is not None:
            file.seek(position)


def external_id_from_name(path: Path, *, key: str) -> str | int | None:
    """The film's id in the ``key`` system from a file name, or None when the name does not carry one."""
    match = _NAME.match(path.stem)
    if not match:
        return None
    digits = match["id"].lower().removeprefix("tt")
    if key == "imdb":
        return f"tt{int(digits):07d}"
    if match["id"].lower().startswith("tt"):
        return None  # an IMDb id where a MovieLens or TMDb id was expected
    return int(digits)


def check_image(content: bytes, *, max_pixels: int, max_side: int, min_side: int = 8) -> CheckedImage:
    """Decode the whole image and enforce size limits; raise InvalidImage with a short reason."""
    if not content:
        raise InvalidImage("empty file")
    with warnings.catch_warnings():
        # Pillow's own bomb check warns, then raises, at its global limit; ours is explicit and configurable.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with open_image(io.BytesIO(content)) as image:
                width, height = image.size
                image_format = (image.format or "").lower()
                if width * height > max_pixels:
                    raise InvalidImage(f"{width}×{height} is over the {max_pixels:,}-pixel limit")
                if max(width, height) > max_side or min(width, height) < min_side:
                    raise InvalidImage(f"{width}×{height} is an implausible size")
                image.load()  # decodes every pixel: catches truncated and corrupt files
        except InvalidImage:
            raise
        except (UnidentifiedImageError, Image.DecompressionBombError) as error:
            raise InvalidImage(str(error) or "not an image") from None
        except (OSError, SyntaxError, ValueError) as error:
            raise InvalidImage(f"cannot decode: {error}") from None
    extension = {"jpeg": "jpg", "mpo": "jpg"}.get(image_format, image_format) or "jpg"
    return CheckedImage(content, hashlib.sha256(content).hexdigest(), width, height, extension)
