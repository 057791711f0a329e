"""Content similarity: genres and people as sparse features, plot texts as all-MiniLM-L6-v2 embeddings.

Features are keyed by integers so they survive between trainings: a genre is ``-genre_id``, a person
``person_id``. Rows are L2-normalised so a dot product is a cosine.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from cineaesthete.ml import text_encoder

GENRE_WEIGHT = 1.0
PERSON_WEIGHT = 0.7  # shared people matter, but one shared actor should not outweigh the genres


def feature_matrix(
    film_ids: np.ndarray, pairs: list[tuple[int, int]], *, vocabulary: np.ndarray | None = None
) -> tuple[sp.csr_matrix, np.ndarray]:
    """``pairs``: (film id, feature key). Returns (films × features, row-normalised) and the vocabulary."""
    if vocabulary is None:
        vocabulary = np.unique(np.array([key for _, key in pairs], dtype=np.int64)) if pairs else np.empty(0, np.int64)
    column = {int(key): index for index, key in enumerate(vocabulary)}
    row = {int(film_id): index for index, film_id in enumerate(film_ids)}
    rows, cols, values = [], [], []
    for film_id, key in pairs:
        if film_id in row and key in column:
            rows.append(row[film_id])
            cols.append(column[key])
            values.append(GENRE_WEIGHT if key < 0 else PERSON_WEIGHT)
    matrix = sp.csr_matrix((values, (rows, cols)), shape=(len(film_ids), len(vocabulary)), dtype=np.float32)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix = sp.diags(1.0 / np.maximum(norms, 1e-9)).astype(np.float32) @ matrix
    return matrix.tocsr(), vocabulary


def embed_plots(texts: list[str], *, batch_size: int = 32) -> np.ndarray:
    """Unit-length 384-d all-MiniLM-L6-v2 vectors, one per text (empty texts get zeros).

    The encoder is the one vibe search and sentiment use (``cineaesthete.ml.text_encoder``), so the
    recommender can reuse the plot vectors ``embed_texts`` already stored.
    """
    out = np.zeros((len(texts), 384), dtype=np.float32)
    todo = [i for i, text in enumerate(texts) if text.strip()]
    if todo:
        out[todo] = text_encoder().embed([texts[i].strip() for i in todo], batch_size=batch_size)
    return out


def blended_content_similarity(
    features: sp.csr_matrix, plots: np.ndarray | None, query_features: sp.csr_matrix, query_plot: np.ndarray | None
) -> np.ndarray:
    """Cosine similarity of one query film to every film: mean of the tag part and the plot part."""
    tags = np.asarray((features @ query_features.T).todense()).ravel()
    if plots is None or query_plot is None or not np.any(query_plot):
        return tags
    return 0.5 * tags + 0.5 * (plots @ query_plot)
