"""Extra terms added to the served blend, on the RecBole ML-1M VALIDATION split (never the test split):
popularity within each member's own time window, user-kNN, and GF-CF's ideal low-pass filter, each z-scored per
member and added with weight γ to the site's blend (recency on, as served). Prints NDCG@10 / coverage@10.

python bench/bench_recs_extra_terms.py [--ratings-file PATH] [--seed 2020]
"""

from __future__ import annotations

import argparse

import numpy as np
import scipy.sparse as sp
from recbole_validation import validation_split

DAY = 86400
WEIGHTS = (0.1, 0.2, 0.35)


def _z(matrix: np.ndarray) -> np.ndarray:
    centred = matrix - matrix.mean(axis=1, keepdims=True)
    spread = centred.std(axis=1, keepdims=True)
    spread[spread == 0] = 1
    return (centred / spread).astype(np.float32)


def main() -> None:
    _args, split = validation_split(argparse.ArgumentParser())
    from scipy.sparse.linalg import svds

    from recommendations.engine import evaluation as ev
    from recommendations.engine.baselines import item_popularity
    from recommendations.management.commands.evaluate_recommender import production_tuned

    tuned = production_tuned()
    train, times = split.train, split.train_times
    binary = ev._binary(train).astype(np.float32)
    popularity = item_popularity(train)
    model, user_factors = ev.train_production(
        train,
        split.item_ids,
        als=tuned.als,
        confidence=tuned.confidence,
        blend=tuned.blend,
        ease_regularization=tuned.blend_lambda,
        threads=2,
    )
    n_users, n_items = train.shape
    base = np.zeros((n_users, n_items), dtype=np.float32)
    for start in range(0, n_users, 512):
        rows = np.arange(start, min(start + 512, n_users))
        base[rows] = ev.production_scores(model, user_factors, train, rows, times=times)

    def valid(scores: np.ndarray) -> str:
        lists = ev.lists_from_scores(lambda rows: scores[rows], binary)
        m = ev.evaluate_lists(lists, split.valid, popularity=popularity, n_users_train=n_users)
        return f"NDCG@10 {m['ndcg@10']:.4f} coverage@10 {m['coverage@10']:.3f}"

    def report(name: str, term: np.ndarray) -> None:
        print(f"{name} alone: {valid(term)}", flush=True)
        for weight in WEIGHTS:
            print(f"  served + {weight} × it: {valid(base + weight * term)}", flush=True)

    print(f"served blend: {valid(base)}", flush=True)
    # popularity among the ratings given while the member was active (± a margin)
    by_item = times.tocsc()
    item_times = [np.sort(by_item.data[by_item.indptr[i] : by_item.indptr[i + 1]]) for i in range(n_items)]
    first = np.minimum.reduceat(times.data, times.indptr[:-1])
    last = np.maximum.reduceat(times.data, times.indptr[:-1])
    for margin in (DAY, 7 * DAY, 30 * DAY):
        counts = np.zeros((n_users, n_items), dtype=np.float32)
        for item, stamps in enumerate(item_times):
            counts[:, item] = np.searchsorted(stamps, last + margin, "right") - np.searchsorted(stamps, first - margin)
        report(f"time-window popularity ± {margin // DAY} d", _z(np.log1p(counts)))
    dense = binary.toarray()
    normalised = dense / np.sqrt(dense.sum(axis=1))[:, None]
    similarity = normalised @ normalised.T
    np.fill_diagonal(similarity, 0)
    for k in (50, 200):
        kept = similarity.copy()
        kept[kept < -np.partition(-kept, k, axis=1)[:, k][:, None]] = 0
        report(f"user-kNN k {k}", _z(kept @ dense))
    item_degree = np.maximum(dense.sum(axis=0), 1)
    filtered = dense / np.sqrt(dense.sum(axis=1))[:, None] / np.sqrt(item_degree)[None, :]
    for rank in (64, 256):
        _, _, vt = svds(sp.csr_matrix(filtered), k=rank)
        report(
            f"GF-CF ideal low-pass, rank {rank}",
            _z((filtered / np.sqrt(item_degree)) @ vt.T @ (vt * np.sqrt(item_degree))),
        )


if __name__ == "__main__":
    main()
