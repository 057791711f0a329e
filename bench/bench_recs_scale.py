"""ALS training at ML-25M size on a synthetic matrix: 162k members, 62k films, 25M ratings, power-law popularity.

    python bench/bench_recs_scale.py [--iterations 15] [--factors 64] [--nnz 25000000]

Prints generation time, training time and peak RSS (resource.getrusage). At this size EASE is not used
(62k² weights would not fit), so production serves plain ALS (recommender.EASE_MAX_ITEMS).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def synthetic(users: int, items: int, nnz: int, seed: int = 0) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    item_weights = 1.0 / np.arange(1, items + 1) ** 0.9  # Zipf-like film popularity
    item_weights /= item_weights.sum()
    activity = rng.pareto(1.5, users) + 1  # a few members rate thousands, most a few dozen
    activity /= activity.sum()
    matrix = sp.csr_matrix((users, items), dtype=np.float32)
    # Popular films are drawn again by the same member; draw until there are ``nnz`` distinct ratings.
    while matrix.nnz < nnz:
        draw = int((nnz - matrix.nnz) * 1.3)
        per_user = np.maximum(np.round(activity * draw).astype(np.int64), 1)
        rows = np.repeat(np.arange(users, dtype=np.int32), per_user)
        cols = rng.choice(items, size=len(rows), p=item_weights).astype(np.int32)
        batch = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(users, items))
        matrix = (matrix + batch).tocsr()
        matrix.data[:] = 1.0
    if matrix.nnz > nnz:  # drop a random surplus so the count is exact
        keep = np.ones(matrix.nnz, dtype=bool)
        keep[rng.choice(matrix.nnz, matrix.nnz - nnz, replace=False)] = False
        matrix.data = np.where(keep, matrix.data, 0).astype(np.float32)
        matrix.eliminate_zeros()
    matrix.data = rng.choice(np.arange(1, 11, dtype=np.float32) / 2, size=matrix.nnz)
    return matrix


def main() -> None:
    from recommendations.engine.als import ALSParams, train_als
    from recommendations.engine.confidence import confidence_from_stars

    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=162_000)
    parser.add_argument("--items", type=int, default=62_000)
    parser.add_argument("--nnz", type=int, default=25_000_000)
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()

    began = time.perf_counter()
    matrix = synthetic(args.users, args.items, args.nnz)
    matrix.data = confidence_from_stars(matrix.data)
    print(
        f"generated {matrix.shape[0]:,} × {matrix.shape[1]:,} with {matrix.nnz:,} ratings in "
        f"{time.perf_counter() - began:.1f} s (peak RSS so far {peak_rss_gb():.2f} GB)"
    )
    began = time.perf_counter()
    train_als(
        matrix,
        params=ALSParams(factors=args.factors, regularization=0.05, iterations=args.iterations),
        threads=args.threads,
        on_iteration=lambda done, total: print(
            f"  iteration {done}/{total} at {time.perf_counter() - began:.1f} s", flush=True
        ),
    )
    print(
        f"ALS {args.factors} factors × {args.iterations} iterations: {time.perf_counter() - began:.1f} s; "
        f"peak RSS {peak_rss_gb():.2f} GB"
    )


if __name__ == "__main__":
    main()
