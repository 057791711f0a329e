"""Turning scores into lists: exclusions, top-k, MMR diversity, hidden gems, surprise me."""

from __future__ import annotations

import numpy as np


def top_k(scores: np.ndarray, k: int, *, exclude: np.ndarray | None = None) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first; ``exclude`` (indices) never come back."""
    scores = np.asarray(scores, dtype=np.float64)
    if exclude is not None and len(exclude):
        scores = scores.copy()
        scores[np.asarray(exclude, dtype=np.int64)] = -np.inf
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


def normalised(factors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(factors, axis=1, keepdims=True)
    return factors / np.maximum(norms, 1e-9)


def mmr(
    candidates: np.ndarray,
    relevance: np.ndarray,
    item_factors: np.ndarray,
    k: int,
    *,
    diversity: float,
    exposure: np.ndarray | None = None,
) -> np.ndarray:
    """Maximal marginal relevance (Carbonell & Goldstein 1998) over cosine similarity of item factors.

    ``diversity`` 0 keeps the relevance order (comfort zone); 1 picks each next film as unlike the chosen
    ones as possible among the candidates (exploration). Relevance is rescaled to [0, 1] so the dial means
    the same thing for every member; ``exposure`` (one penalty per candidate, on that scale) is subtracted
    from it first, so films that many members are already shown give way to equally fitting ones.
    """
    candidates = np.asarray(candidates, dtype=np.int64)
    rel = np.asarray(relevance, dtype=np.float64)
    if len(candidates) <= 1 or (diversity <= 0 and exposure is None):
        return candidates[:k]
    span = rel.max() - rel.min()
    rel = (rel - rel.min()) / span if span > 0 else np.ones_like(rel)
    if exposure is not None:
        rel = rel - np.asarray(exposure, dtype=np.float64)
    if diversity <= 0:
        return candidates[np.argsort(-rel, kind="stable")[:k]]
    unit = normalised(item_factors[candidates].astype(np.float64))
    chosen: list[int] = []
    max_similarity = np.full(len(candidates), -1.0)
    available = np.ones(len(candidates), dtype=bool)
    for _ in range(min(k, len(candidates))):
        penalty = max_similarity if chosen else np.zeros(len(candidates))
        value = (1 - diversity) * rel - diversity * penalty
        value[~available] = -np.inf
        best = int(np.argmax(value))
        chosen.append(best)
        available[best] = False
        max_similarity = np.maximum(max_similarity, unit @ unit[best])
    return candidates[chosen]


def intra_list_diversity(items: np.ndarray, item_factors: np.ndarray) -> float:
    """Mean pairwise cosine distance between the items' factors (higher = more varied list)."""
    if len(items) < 2:
        return 0.0
    unit = normalised(item_factors[np.asarray(items)].astype(np.float64))
    similarity = unit @ unit.T
    n = len(items)
    return float((n * n - similarity.sum()) / (n * (n - 1)))


def popular_mask(popularity: np.ndarray, *, top_share: float = 0.2) -> np.ndarray:
    """True for the most popular ``top_share`` of items by rating count (the "head")."""
    n_head = max(1, int(round(len(popularity) * top_share)))
    head = np.argsort(-popularity, kind="stable")[:n_head]
    mask = np.zeros(len(popularity), dtype=bool)
    mask[head] = True
    return mask


def hidden_gems(
    scores: np.ndarray,
    k: int,
    *,
    head: np.ndarray,
    quality: np.ndarray,
    quality_floor: float,
    exclude: np.ndarray | None = None,
    counts: np.ndarray | None = None,
    min_count: int = 0,
) -> np.ndarray:
    """Best-predicted items outside the popular head whose quality (e.g. a shrunk mean rating) clears the
    floor and, given ``counts``, that at least ``min_count`` members rated (a NaN quality never passes)."""
    scores = np.asarray(scores, dtype=np.float64).copy()
    quality = np.asarray(quality, dtype=np.float64)
    blocked = head | ~(quality >= quality_floor)
    if counts is not None:
        blocked |= np.asarray(counts) < min_count
    scores[blocked] = -np.inf
    return top_k(scores, k, exclude=exclude)


def surprise(
    scores: np.ndarray,
    item_factors: np.ndarray,
    *,
    history: np.ndarray,
    exclude: np.ndarray | None = None,
    pool: int = 100,
    k: int = 1,
) -> np.ndarray:
    """Up to ``k`` well-predicted films far from the member's usual region of factor space, farthest first.

    Among the ``pool`` best-scored films, the top half by score (so a surprise is still a film the model
    thinks they will like), ordered by how little each resembles the centroid of the member's positive
    history; with no history, the best-scored ones.
    """
    candidates = top_k(scores, pool, exclude=exclude)
    if len(candidates) == 0 or len(history) == 0:
        return candidates[:k]
    centroid = normalised(item_factors[np.asarray(history)].astype(np.float64)).mean(axis=0)
    centroid /= max(np.linalg.norm(centroid), 1e-9)
    keep = candidates[: max(1, len(candidates) // 2)]
    similarity = normalised(item_factors[keep].astype(np.float64)) @ centroid
    return keep[np.argsort(similarity, kind="stable")][:k]


def shrunk_mean(
    sum_stars: np.ndarray, counts: np.ndarray, *, prior_mean: float, prior_weight: float = 20.0
) -> np.ndarray:
    """Bayesian average: the mean rating pulled towards the global mean when few members rated."""
    return (sum_stars + prior_mean * prior_weight) / (counts + prior_weight)
