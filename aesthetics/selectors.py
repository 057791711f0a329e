"""Reads of the aesthetics app for pages: a film's analysed images."""

from __future__ import annotations

from catalog.models import Film, FilmImage

from .models import ImageAesthetics, VibeCollection


def film_images_with_palettes(*, film: Film, limit: int = 12) -> list[FilmImage]:
    """The film's images (posters first) with their aesthetics, in one query."""
    images = FilmImage.objects.filter(film=film).select_related("aesthetics").order_by("kind", "id")[:limit]
    return list(images)


def image_aesthetics_or_none(*, image_id: int) -> ImageAesthetics | None:
    return ImageAesthetics.objects.select_related("image", "film").filter(image_id=image_id).first()


def published_vibe_collections() -> list[VibeCollection]:
    """Staff-curated starting points for the vibe page, in their curated order."""
    return list(VibeCollection.objects.filter(published=True))
