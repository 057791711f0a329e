"""ALS training (implicit's CPU solver), fold-in of one member, and score explanations.

Serving needs only the item factors Y and the Gram matrix YᵀY: a member's factor is the exact ALS
least-squares solution for their row (the same equation implicit's ``recalculate_user`` solves),

    x_u = (YᵀY + λI + Σ_j (c_uj − 1) y_j y_jᵀ)⁻¹ Σ_{j: positive} c_uj y_j

and, because x_u is linear in the rated items, each score splits into one contribution per rated film
(Hu et al. 2008, §5; implicit's ``explain``): s_ui = Σ_j c_uj · y_iᵀ W_u y_j. Those contributions are the
"because you rated …" reasons.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp


@functools.cache
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def single_threaded_blas():
    """Context for serving one member: small matrix products lose more to thread start-up and to other
    processes on the same cores than they gain from a second BLAS thread (p95 fold-in 47 ms → 10 ms)."""
    return _blas_controller().limit(limits=1, user_api="blas")


@dataclass(frozen=True)
class ALSParams:
    factors: int = 64
    regularization: float = 0.05
    iterations: int = 15
    seed: int = 42

    def as_dict(self) -> dict:
        return asdict(self)


def train_als(
    confidence: sp.csr_matrix,
    *,
    params: ALSParams,
    threads: int = 0,
    on_iteration: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Fit ALS on a users×items matrix of confidences; returns (user_factors, item_factors) as float32."""
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    def callback(iteration: int, _elapsed: float, _loss) -> None:
        if on_iteration is not None:
            on_iteration(iteration + 1, params.iterations)

    # implicit parallelises over users itself; BLAS threads underneath it only fight for the cores.
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=params.factors,
            regularization=params.regularization,
            alpha=1.0,  # the confidence is already in the matrix values (see confidence.py)
            iterations=params.iterations,
            num_threads=threads,
            random_state=params.seed,
            calculate_training_loss=False,
        )
        model.fit(confidence.astype(np.float32).tocsr(), show_progress=False, callback=callback)
    return np.ascontiguousarray(model.user_factors, dtype=np.float32), np.ascontiguousarray(
        model.item_factors, dtype=np.float32
    )


def gram(item_factors: np.ndarray) -> np.ndarray:
    return (item_factors.T @ item_factors).astype(np.float64)


@dataclass
class FoldIn:
    """A member's factor computed from their ratings against fixed item factors, kept for explanations."""

    factor: np.ndarray  # (k,)
    item_index: np.ndarray  # rated items (dense indices)
    confidence: np.ndarray  # their matrix values
    cho: tuple | None  # Cholesky factor of W_u⁻¹, None for an empty profile
    ease_total: np.ndarray | None = None  # Σ_{j liked} r_j B_j, kept from scoring so reasons need not redo it
    history_weights: np.ndarray | None = None  # r_j of each liked film (recency), kept for the same reason

    def explain(self, item_factors: np.ndarray, item: int) -> list[tuple[int, float]]:
        """Contribution of each positively rated item to the score of ``item``, largest first."""
        if self.cho is None or len(self.item_index) == 0:
            return []
        weighted = scipy.linalg.cho_solve(self.cho, item_factors[item].astype(np.float64))
        positive = self.confidence > 0
        rated = self.item_index[positive]
        contributions = (item_factors[rated] @ weighted) * self.confidence[positive]
        order = np.argsort(-contributions)
        return [(int(rated[i]), float(contributions[i])) for i in order]


def fold_in(
    item_factors: np.ndarray, yty: np.ndarray, item_index: np.ndarray, confidence: np.ndarray, *, regularization: float
) -> FoldIn:
    """Solve one member's ALS equation (see module docstring). Empty profile → zero factor."""
    k = item_factors.shape[1]
    item_index = np.asarray(item_index, dtype=np.int64)
    confidence = np.asarray(confidence, dtype=np.float64)
    if len(item_index) == 0:
        return FoldIn(np.zeros(k, dtype=np.float32), item_index, confidence, None)
    factors = item_factors[item_index].astype(np.float64)
    strength = np.abs(confidence) - 1.0
    a = yty + regularization * np.eye(k) + (factors * strength[:, None]).T @ factors
    b = (np.where(confidence > 0, confidence, 0.0)[:, None] * factors).sum(axis=0)
    cho = scipy.linalg.cho_factor(a)
    factor = scipy.linalg.cho_solve(cho, b)
    return FoldIn(factor.astype(np.float32), item_index, confidence, cho)


def fold_in_many(item_factors: np.ndarray, matrix: sp.csr_matrix, *, regularization: float) -> np.ndarray:
    """User factors for every row of ``matrix`` (evaluation of held-out users, temporal protocol)."""
    yty = gram(item_factors)
    out = np.zeros((matrix.shape[0], item_factors.shape[1]), dtype=np.float32)
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        if end > start:
            out[row] = fold_in(
                item_factors, yty, matrix.indices[start:end], matrix.data[start:end], regularization=regularization
            ).factor
    return out
