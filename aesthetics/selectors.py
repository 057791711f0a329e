"""Reads of the aesthetics app for pages: a film's analysed images."""

from __future__ import annotations

import hashlib

import numpy as np

from catalog.models import Film, FilmImage

from .models import FilmTextEmbedding, ImageAesthetics, VibeCollection


def film_images_with_palettes(*, film: Film, limit: int = 12) -> list[FilmImage]:
    """The film's images (posters first) with their aesthetics, in one query."""
    images = FilmImage.objects.filter(film=film).select_related("aesthetics").order_by("kind", "id")[:limit]
    return list(images)


def image_aesthetics_or_none(*, image_id: int) -> ImageAesthetics | None:
    return ImageAesthetics.objects.select_related("image", "film").filter(image_id=image_id).first()


def stored_plot_vectors(plots: dict[int, str]) -> dict[int, np.ndarray]:
    """The MiniLM plot vectors ``embed_texts`` stored, for the films whose plot text is still the one embedded
    (the recommender's content features reuse them; registered in aesthetics.apps)."""
    wanted = {film_id: hashlib.sha256(plot.strip().encode()).hexdigest() for film_id, plot in plots.items() if plot}
    rows = FilmTextEmbedding.objects.filter(film_id__in=list(wanted), source=FilmTextEmbedding.Source.PLOT).values_list(
        "film_id", "text_hash", "vector"
    )
    return {
        film_id: np.asarray(vector, dtype=np.float32)
        for film_id, text_hash, vector in rows
        if wanted[film_id] == text_hash
    }


def published_vibe_collections() -> list[VibeCollection]:
    """Staff-curated starting points for the vibe page, in their curated order."""
    return list(VibeCollection.objects.filter(published=True))
