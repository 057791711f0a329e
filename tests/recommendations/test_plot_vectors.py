"""The recommender reuses the plot vectors vibe search stored, through the source aesthetics registers."""

from __future__ import annotations

import hashlib

import numpy as np

from aesthetics.models import FilmTextEmbedding
from recommendations import services
from tests.factories import make_film


def _store(film, text: str, vector: np.ndarray) -> None:
    FilmTextEmbedding.objects.create(
        film=film,
        source=FilmTextEmbedding.Source.PLOT,
        text_hash=hashlib.sha256(text.strip().encode()).hexdigest(),
        model_name="all-MiniLM-L6-v2",
        vector=vector.tolist(),
    )


def test_current_stored_vectors_are_reused_and_stale_ones_are_not(db):
    fresh, stale, missing = (make_film(name) for name in ("Fresh", "Stale", "Missing"))
    vector = np.linspace(-1, 1, 384, dtype=np.float32)
    _store(fresh, "A lonely man wanders a desert.", vector)
    _store(stale, "An old plot.", vector)
    found = services._stored_plot_vectors(
        {fresh.pk: "A lonely man wanders a desert.", stale.pk: "A rewritten plot.", missing.pk: "No vector yet."}
    )
    assert list(found) == [fresh.pk]
    np.testing.assert_allclose(found[fresh.pk], vector, rtol=1e-6)
