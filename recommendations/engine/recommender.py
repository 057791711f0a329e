"""The production recommender: item factors (+ optional EASE item-item weights) turned into ranked lists.

One object serves the site, the ``recommend`` command and the evaluation, so the numbers in the evaluation
table are the numbers of the code that runs.

Score of item i for a member (all terms standardised per member so the weights mean the same for everyone):

    score_i = (1 − w) · z(ALS x_u·y_i) + w · z(EASE Σ_{j liked} r_j B_ji) − β · z(log popularity_i)

``w`` (EASE blend) and ``β`` (popularity penalty: pushes coverage and novelty up at a small accuracy cost)
are tuned on the validation split. r_j weighs the member's recent films more (``BlendParams.recency_boost``;
liked films are passed oldest first; 1 for every film when off or when the order is not by time). EASE's weights B may come from a member-activity-weighted Gram matrix
(``baselines.ease_weights(user_norm=…)``); that changes training only, so every term stays linear in the
member's history and ``contributions`` stays exact. EASE needs an items×items matrix, so it is only kept for catalogues up
to ``EASE_MAX_ITEMS`` films; larger ones serve plain ALS.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from .als import FoldIn, fold_in, gram
from .confidence import ConfidenceParams
from .ranking import hidden_gems, mmr, popular_mask, surprise, top_k
from .signals import recency_weights

EASE_MAX_ITEMS = 20_000
MODES = ("accurate", "diverse", "gems", "surprise")


@dataclass(frozen=True)
class BlendParams:
    ease_weight: float = 0.0
    popularity_penalty: float = 0.0
    diversity: float = 0.5  # the "diverse" mode's default dial position
    # The dial d re-ranks the first stage's top ``candidate_pool``: relevance (rescaled to [0, 1]) minus
    # d · exposure_penalty · exposure share (how many members' first-stage lists already hold the film), then MMR
    # with similarity weight d · similarity_penalty. Tuned on the RecBole ML-1M validation split (README).
    exposure_penalty: float = 1.0
    similarity_penalty: float = 0.2
    gems_quality_floor: float = 3.6  # shrunk mean stars a hidden gem must reach
    gems_min_ratings: int = 20  # and this many members who liked it: one 5-star rating is not a gem
    candidate_pool: int = 200
    ease_dropout: float = 0.0  # EDLAE's dropout (0 = plain EASE); see baselines.ease_weights
    ease_user_norm: float = 0.0  # member-activity weighting of EASE's Gram matrix; see baselines.ease_weights
    # A member's latest liked films weigh up to 1 + recency_boost times as much in Σ_j w_j B_ji, decaying over
    # recency_tau films (signals.recency_weights; 0 = off). The history is given oldest first.
    recency_boost: float = 0.0
    recency_tau: float = 10.0

    def as_dict(self) -> dict:
        return asdict(self)


def _standardise_rows(scores: np.ndarray) -> np.ndarray:
    mean = scores.mean(axis=-1, keepdims=True)
    std = scores.std(axis=-1, keepdims=True)
    return (scores - mean) / np.maximum(std, 1e-9)


@dataclass
class Recommender:
    item_ids: np.ndarray  # external id of each item index
    item_factors: np.ndarray  # (items, k) float32
    popularity: np.ndarray  # members per item in the training data
    quality: np.ndarray  # shrunk mean stars per item
    regularization: float
    confidence: ConfidenceParams = field(default_factory=ConfidenceParams)
    blend: BlendParams = field(default_factory=BlendParams)
    ease: np.ndarray | None = None  # (items, items) float32 or None
    # members whose first-stage top EXPOSURE_K held the film at training time (``exposure_counts``); None for
    # an artifact trained before exposure was counted, whose dial then means MMR alone, as it did then
    exposure: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.yty = gram(self.item_factors)
        self.head = popular_mask(self.popularity)
        logpop = np.log1p(self.popularity)
        self._z_logpop = ((logpop - logpop.mean()) / max(logpop.std(), 1e-9)).astype(np.float32)
        self._index = {int(v): i for i, v in enumerate(self.item_ids)}
        self._ease_row_mean = None if self.ease is None else self.ease.mean(axis=1, dtype=np.float64)
        self.set_exposure(self.exposure)

    def set_exposure(self, counts: np.ndarray | None) -> None:
        """Keep ``exposure_counts`` and its share: log1p(count) / log1p(largest count), in [0, 1]."""
        self.exposure = None if counts is None else np.asarray(counts, dtype=np.float64)
        self._exposure_share = (
            None
            if self.exposure is None
            else np.log1p(self.exposure) / np.log1p(max(float(self.exposure.max(initial=0)), 1.0))
        )

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def index_of(self, external_ids) -> np.ndarray:
        return np.array([self._index.get(int(v), -1) for v in external_ids], dtype=np.int64)

    def fold_in(self, item_index: np.ndarray, confidence: np.ndarray) -> FoldIn:
        return fold_in(self.item_factors, self.yty, item_index, confidence, regularization=self.regularization)

    def history_weights(self, n: int, *, by_time: bool = True) -> np.ndarray:
        """r_j of a history of ``n`` liked films listed oldest first (all 1 when ``by_time`` is False)."""
        if not by_time:
            return np.ones(n, dtype=np.float64)
        return recency_weights(n, boost=self.blend.recency_boost, tau=self.blend.recency_tau)

    def scores(self, user_factors: np.ndarray, liked_rows: list[np.ndarray], *, by_time: bool = True) -> np.ndarray:
        """Blended scores for a batch: ``user_factors`` (n, k), ``liked_rows`` the positive items of each,
        oldest first when ``by_time`` (recency weighting), else in any order (every film weighs 1)."""
        als = user_factors @ self.item_factors.T
        if self.ease is None or self.blend.ease_weight <= 0:
            combined = _standardise_rows(als) if self.blend.popularity_penalty else als
        else:
            # Σ_{j liked} B_j: gathering rows is cheapest for short profiles, one matrix product for long ones
            # (copying 2,000 rows of B costs more than multiplying by a 0/1 vector).
            ease = np.zeros_like(als)
            long_rows = [row for row, liked in enumerate(liked_rows) if len(liked) > 150]
            for row, liked in enumerate(liked_rows):
                if 0 < len(liked) <= 150:
                    weights = self.history_weights(len(liked), by_time=by_time).astype(np.float32)
                    ease[row] = weights @ self.ease[liked]
            if long_rows:
                indicator = np.zeros((len(long_rows), self.n_items), dtype=np.float32)
                for position, row in enumerate(long_rows):
                    liked = liked_rows[row]
                    indicator[position, liked] = self.history_weights(len(liked), by_time=by_time)
                ease[long_rows] = indicator @ self.ease
            w = self.blend.ease_weight
            combined = (1 - w) * _standardise_rows(als) + w * _standardise_rows(ease)
        if self.blend.popularity_penalty:
            combined = combined - self.blend.popularity_penalty * self._z_logpop
        return combined.astype(np.float32)

    def _ease_history_sum(self, liked: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Σ_{j liked} r_j B_j over all items: gathered rows for short histories, one product for long ones."""
        if len(liked) <= 150:
            return weights @ self.ease[liked].astype(np.float64)
        indicator = np.zeros(self.n_items, dtype=np.float32)
        indicator[liked] = weights
        return (indicator @ self.ease).astype(np.float64)

    def profile_scores(
        self, item_index: np.ndarray, confidence: np.ndarray, *, by_time: bool = True
    ) -> tuple[np.ndarray, FoldIn]:
        """One member's blended scores (the same formula as ``scores``), computing Σ r_j B_j once for reasons.

        ``item_index`` oldest first when ``by_time`` (the order gives each liked film its recency weight)."""
        folded = self.fold_in(item_index, confidence)
        liked = np.asarray(item_index)[np.asarray(confidence) > 0]
        folded.history_weights = self.history_weights(len(liked), by_time=by_time)
        if self.ease is None or self.blend.ease_weight <= 0:
            return self.scores(folded.factor[None, :], [liked], by_time=by_time)[0], folded
        als = (self.item_factors @ folded.factor)[None, :]
        ease = (self._ease_history_sum(liked, folded.history_weights) if len(liked) else np.zeros(self.n_items))[
            None, :
        ]
        folded.ease_total = ease[0]
        w = self.blend.ease_weight
        combined = (1 - w) * _standardise_rows(als) + w * _standardise_rows(ease.astype(np.float32))
        if self.blend.popularity_penalty:
            combined = combined - self.blend.popularity_penalty * self._z_logpop
        return combined.astype(np.float32)[0], folded

    def contributions(self, folded: FoldIn, liked: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Each liked film's exact share of the served score of ``items``: an (items × liked) matrix.

        Both terms of the blend are linear in the member's history: the ALS score is Σ_j c_j y_iᵀW y_j
        (``FoldIn.explain``) and the EASE score Σ_j B_ji. The per-member standardisation subtracts a mean
        that is itself a sum over j and divides by a per-member constant, so share_ij below sums over j to
        the served score minus the popularity term (and, for plain ALS without standardising, a constant).
        """
        items = np.asarray(items, dtype=np.int64)
        liked = np.asarray(liked, dtype=np.int64)
        out = np.zeros((len(items), len(liked)), dtype=np.float64)
        if len(liked) == 0 or len(items) == 0:
            return out
        standardise = bool(self.blend.popularity_penalty) or (self.ease is not None and self.blend.ease_weight > 0)
        w = self.blend.ease_weight if (self.ease is not None and self.blend.ease_weight > 0) else 0.0
        positive = folded.confidence > 0
        rated = folded.item_index[positive]
        weights = folded.confidence[positive]
        if folded.cho is not None and len(rated):
            factors = self.item_factors[items].astype(np.float64)
            if standardise:
                factors = factors - self.item_factors.mean(axis=0, dtype=np.float64)
                als = self.item_factors @ folded.factor
                scale = (1 - w) / max(float(als.std()), 1e-9)
            else:
                scale = 1.0
            # W is symmetric, so c_j (y_i − ȳ)ᵀ W y_j = c_j y_jᵀ W (y_i − ȳ): one solve per listed item.
            solved = scipy.linalg.cho_solve(folded.cho, factors.T)  # (k, items)
            als_share = (self.item_factors[rated].astype(np.float64) @ solved).T * (weights * scale)
            if np.array_equal(rated, liked):
                out += als_share
            else:
                column = {int(j): n for n, j in enumerate(rated)}
                for n, j in enumerate(liked):
                    if int(j) in column:
                        out[:, n] += als_share[:, column[int(j)]]
        if w > 0:
            weights = folded.history_weights
            if weights is None or len(weights) != len(liked):
                weights = self.history_weights(len(liked))
            total = folded.ease_total if folded.ease_total is not None else self._ease_history_sum(liked, weights)
            scale = w / max(float(total.std()), 1e-9)
            gathered = self.ease[np.ix_(liked, items)].astype(np.float64)  # (liked, items): small
            out += ((gathered - self._ease_row_mean[liked][:, None]) * (weights[:, None] * scale)).T
        return out

    def rank(
        self,
        scores: np.ndarray,
        k: int,
        *,
        mode: str = "accurate",
        exclude: np.ndarray | None = None,
        diversity: float | None = None,
        history: np.ndarray | None = None,
    ) -> np.ndarray:
        """Item indices for one member in the given mode (see MODES)."""
        if mode == "gems":
            return hidden_gems(
                scores,
                k,
                head=self.head,
                quality=self.quality,
                quality_floor=self.blend.gems_quality_floor,
                exclude=exclude,
                counts=self.popularity,
                min_count=self.blend.gems_min_ratings,
            )
        if mode == "surprise":
            history = history if history is not None else np.empty(0, int)
            return surprise(scores, self.item_factors, history=history, exclude=exclude, k=k)
        dial = self.blend.diversity if (mode == "diverse" and diversity is None) else (diversity or 0.0)
        if dial <= 0:
            return top_k(scores, k, exclude=exclude)
        candidates = top_k(scores, max(self.blend.candidate_pool, k), exclude=exclude)
        if self._exposure_share is None:
            return mmr(candidates, scores[candidates], self.item_factors, k, diversity=dial)
        return mmr(
            candidates,
            scores[candidates],
            self.item_factors,
            k,
            diversity=dial * self.blend.similarity_penalty,
            exposure=dial * self.blend.exposure_penalty * self._exposure_share[candidates],
        )


EXPOSURE_K = 20


def exposure_counts(
    model: Recommender, user_factors: np.ndarray, rated: sp.csr_matrix, *, k: int = EXPOSURE_K, batch: int = 1024
) -> np.ndarray:
    """How many members' first-stage top ``k`` (the accurate lists, their rated films excluded) hold each film.

    Computed once at training time over the training members, so the diverse dial can push down the films that
    every member is already shown (a calibrated-exposure term). Each member's liked films weigh 1 here (the
    training matrix has no order); serving weighs recent ones more, a small difference for a population count.
    """
    counts = np.zeros(model.n_items, dtype=np.float64)
    positive_threshold = model.confidence.low_star_threshold
    for start in range(0, rated.shape[0], batch):
        rows = np.arange(start, min(start + batch, rated.shape[0]))
        liked = []
        for row in rows:
            begin, end = rated.indptr[row], rated.indptr[row + 1]
            liked.append(rated.indices[begin:end][rated.data[begin:end] > positive_threshold])
        scores = model.scores(user_factors[rows], liked, by_time=False)
        sub = rated[rows].tocoo()
        scores[sub.row, sub.col] = -np.inf
        take = min(k, model.n_items)
        top = np.argpartition(-scores, take - 1, axis=1)[:, :take]
        shown = np.isfinite(np.take_along_axis(scores, top, axis=1))
        counts += np.bincount(top[shown], minlength=model.n_items)
    return counts
