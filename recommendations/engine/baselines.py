"""Baselines for the evaluation table, and EASE for the production blend.

Each takes a binary users×items training matrix and gives a scorer: ``scores(user_rows) -> (n, items)``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def item_popularity(train: sp.csr_matrix) -> np.ndarray:
    """Number of members per item (the binary column sums)."""
    return np.asarray((train > 0).sum(axis=0)).ravel().astype(np.float64)


def ease_weights(
    train: sp.csr_matrix, *, regularization: float, dropout: float = 0.0, user_norm: float = 0.0
) -> np.ndarray:
    """EASE (Steck 2019): B = I − P / diag(P), P = (XᵀX + Λ)⁻¹, zero diagonal; float32 items×items.

    ``dropout`` p > 0 gives EDLAE (Steck 2020, "Autoencoders that don't overfit towards the identity"):
    training a zero-diagonal linear autoencoder with input dropout p is, in closed form, EASE with an
    item-specific penalty Λ = λI + p/(1−p)·diag(XᵀX), which regularises popular items more.

    ``user_norm`` a > 0 weighs each member's co-occurrences by 1/n_u^a (n_u: their number of films) in the
    Gram matrix, XᵀD⁻ᵃX: a member who logged 1,500 films says less about each pair of them than one who
    logged 30. The entries shrink with a, so λ must shrink too (a = 0.75 pairs with λ ≈ 20 on ML-1M, where
    plain EASE wants λ ≈ 1000). Scoring stays Σ_{j liked} B_ji, linear in the member's history.
    """
    binary = (train > 0).astype(np.float64)
    if user_norm > 0:
        counts = np.asarray(binary.sum(axis=1)).ravel()
        weighted = sp.diags(np.maximum(counts, 1.0) ** -user_norm) @ binary
        gram = (weighted.T @ binary).toarray()
        gram = (gram + gram.T) / 2  # exact symmetry for the inverse
    else:
        gram = (binary.T @ binary).toarray()
    diagonal = np.diag(gram).copy()
    gram[np.diag_indices_from(gram)] += regularization + (dropout / (1.0 - dropout)) * diagonal
    precision = np.linalg.inv(gram)
    weights = precision / (-np.diag(precision))
    weights[np.diag_indices_from(weights)] = 0.0
    return weights.astype(np.float32)


def item_knn_weights(train: sp.csr_matrix, *, neighbours: int = 100, shrink: float = 10.0) -> np.ndarray:
    """Cosine item-item similarity, keeping each item's ``neighbours`` nearest (dense, items×items)."""
    binary = (train > 0).astype(np.float32)
    co = (binary.T @ binary).toarray()
    norms = np.sqrt(np.diag(co))
    similarity = co / (np.outer(norms, norms) + shrink + 1e-9)
    np.fill_diagonal(similarity, 0.0)
    if neighbours < similarity.shape[1]:
        cut = np.argpartition(-similarity, neighbours, axis=0)[neighbours:]
        np.put_along_axis(similarity, cut, 0.0, axis=0)
    return similarity.astype(np.float32)
