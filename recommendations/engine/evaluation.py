"""Offline evaluation: the RecBole ML-1M protocol and a temporal protocol, side by side.

RecBole ML-1M (the protocol of RecBole's published ML-1M table):
ratings >= 3 are the positives and the rest are dropped, 10-core filtering on users and items (repeated until
stable), a random 80/10/10 split of each member's positives with a fixed seed (RecBole's rounding: valid and
test get ``int(0.1 n)`` each), full ranking over all items, and the member's training items (plus, for the
test, the validation items) excluded. Hyperparameters are tuned on the validation split; the test split is
used once, for the final table. Models are trained on the training split only, as RecBole does.

Strong generalisation (what the site serves): the same positives and 10-core filter define members and
films; 10% of members are held out entirely. The model is trained on every rating of the others (low
stars included, as production trains). Each held-out member is folded in from a random 80% of their
ratings, low stars as weak negatives included (exactly the serving path), and ranked against the
positives among the other 20%.

Every protocol can be repeated over several seeds (split and ALS initialisation) and reported as the mean
and standard deviation of each metric, so a difference can be told from seed noise.

Temporal: the same positives and 10-core filter; each member's last 20% by timestamp is the test, the 20%
before that the validation, the rest the training data.

Metrics (over members with at least one held-out item): Recall@K (hits / held-out items), NDCG@K (binary
gains, ideal DCG over min(K, held-out) items), catalogue coverage@10 (share of all items recommended to
someone), long-tail share@10 (share of recommended slots outside the top 20% items by training count),
novelty@10 (mean −log2 of the share of members who rated the item in training).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .als import ALSParams, train_als
from .baselines import ease_weights, item_knn_weights, item_popularity
from .confidence import ConfidenceParams, confidence_from_stars
from .data import RatingLog, build_matrix
from .ranking import popular_mask, shrunk_mean
from .recommender import EASE_MAX_ITEMS, BlendParams, Recommender, exposure_counts
from .signals import require_finite

KS = (10, 20)
EASE_BASELINE_LAMBDA = 1000.0  # plain EASE's λ, tuned on the RecBole ML-1M validation split


@dataclass
class Split:
    """Dense-indexed split; matrices hold stars (users × items)."""

    train: sp.csr_matrix
    valid: sp.csr_matrix
    test: sp.csr_matrix
    item_ids: np.ndarray
    train_times: sp.csr_matrix | None = None  # when each training rating was given (same entries as ``train``)

    @property
    def shape(self) -> tuple[int, int]:
        return self.train.shape


def k_core(log: RatingLog, *, k: int = 10) -> RatingLog:
    """Drop users and items with fewer than ``k`` ratings until none is left."""
    while True:
        _, user_inverse, user_counts = np.unique(log.user_ids, return_inverse=True, return_counts=True)
        _, item_inverse, item_counts = np.unique(log.item_ids, return_inverse=True, return_counts=True)
        keep = (user_counts[user_inverse] >= k) & (item_counts[item_inverse] >= k)
        if keep.all():
            return log
        log = log.subset(keep)


def _split(log: RatingLog, part: np.ndarray) -> Split:
    """``part``: 0 train, 1 valid, 2 test for each rating."""
    users, user_index = np.unique(log.user_ids, return_inverse=True)
    items, item_index = np.unique(log.item_ids, return_inverse=True)
    shape = (len(users), len(items))

    def matrix(which: int) -> sp.csr_matrix:
        mask = part == which
        return build_matrix(user_index[mask], item_index[mask], log.stars[mask], shape=shape)

    train = part == 0
    times = sp.csr_matrix(
        (log.timestamps[train].astype(np.float64), (user_index[train], item_index[train])), shape=shape
    )
    times.sum_duplicates()
    return Split(matrix(0), matrix(1), matrix(2), items, times)


def recbole_split(log: RatingLog, *, seed: int = 2020) -> Split:
    log = k_core(log.subset(log.stars >= 3))
    rng = np.random.default_rng(seed)
    part = np.zeros(len(log), dtype=np.int8)
    order = np.argsort(log.user_ids, kind="stable")
    boundaries = np.flatnonzero(np.diff(log.user_ids[order])) + 1
    for group in np.split(order, boundaries):
        shuffled = rng.permutation(group)
        n = len(shuffled)
        n_valid = n_test = int(0.1 * n)
        n_train = n - n_valid - n_test
        part[shuffled[n_train : n_train + n_valid]] = 1
        part[shuffled[n_train + n_valid :]] = 2
    return _split(log, part)


def temporal_split(log: RatingLog, *, held_out: float = 0.2) -> Split:
    log = k_core(log.subset(log.stars >= 3))
    part = np.zeros(len(log), dtype=np.int8)
    order = np.lexsort((log.timestamps, log.user_ids))
    boundaries = np.flatnonzero(np.diff(log.user_ids[order])) + 1
    for group in np.split(order, boundaries):
        n = len(group)
        n_test = max(1, int(round(held_out * n)))
        n_valid = max(1, int(round(held_out * (n - n_test))))
        part[group[n - n_test :]] = 2
        part[group[n - n_test - n_valid : n - n_test]] = 1
    return _split(log, part)


@dataclass
class GapSplit:
    """A validation split that reproduces the temporal test's gap, carved out of a temporal split's training part:
    each member's training films by time, the first 60% fed (``train``, ``train_times``), the next 20% known but
    not fed (``skipped``: excluded from the lists, never a target), the last 20% held out (``held_out``)."""

    train: sp.csr_matrix
    train_times: sp.csr_matrix
    skipped: sp.csr_matrix
    held_out: sp.csr_matrix


def temporal_gap_validation(split: Split, *, share: float = 0.2) -> GapSplit:
    """The temporal test block lies a whole validation block after the films the model is fed; tuning on the
    validation block, which follows them directly, favours what the test does not reward (README, "Temporal")."""
    if split.train_times is None:
        raise ValueError("a gap validation needs the training ratings' times")
    stars, times = split.train.tocoo(), split.train_times.tocsr()
    stamps = np.asarray(times[stars.row, stars.col]).ravel()
    order = np.lexsort((stamps, stars.row))
    rows, cols, values = stars.row[order], stars.col[order], stars.data[order]
    part = np.zeros(len(rows), dtype=np.int8)
    for group in np.split(np.arange(len(rows)), np.flatnonzero(np.diff(rows)) + 1):
        n = len(group)
        n_held = max(1, int(round(share * n)))
        n_skipped = max(1, int(round(share * (n - n_held))))
        part[group[n - n_held :]] = 2
        part[group[n - n_held - n_skipped : n - n_held]] = 1

    def matrix(which: int, data: np.ndarray) -> sp.csr_matrix:
        mask = part == which
        return sp.csr_matrix((data[mask], (rows[mask], cols[mask])), shape=split.shape)

    ones = np.ones(len(rows), dtype=np.float32)
    return GapSplit(
        train=matrix(0, values),
        train_times=matrix(0, stamps[order].astype(np.float64)),
        skipped=matrix(1, ones),
        held_out=matrix(2, ones),
    )


@dataclass
class StrongSplit:
    """Training members' ratings; held-out members' fold-in ratings and their held-out positives."""

    train: sp.csr_matrix  # training members × items, stars (all ratings)
    fold: sp.csr_matrix  # held-out members × items, stars (80% of their ratings)
    test: sp.csr_matrix  # held-out members × items, positives among the other 20%
    item_ids: np.ndarray


def strong_split(
    log: RatingLog, *, seed: int = 2020, held_out_members: float = 0.1, fold_share: float = 0.8
) -> StrongSplit:
    core = k_core(log.subset(log.stars >= 3))
    members, items = np.unique(core.user_ids), np.unique(core.item_ids)
    if len(members) == 0:  # nothing survives the filter: an empty split, which the caller reports
        empty = sp.csr_matrix((0, 0), dtype=np.float32)
        return StrongSplit(empty, empty, empty, items)
    log = log.subset(np.isin(log.user_ids, members) & np.isin(log.item_ids, items))
    rng = np.random.default_rng(seed)
    held = np.sort(rng.choice(members, size=max(1, int(round(held_out_members * len(members)))), replace=False))
    training = np.setdiff1d(members, held)
    item_index = np.searchsorted(items, log.item_ids)
    is_held = np.isin(log.user_ids, held)
    train_rows = np.searchsorted(training, log.user_ids[~is_held])
    train = build_matrix(train_rows, item_index[~is_held], log.stars[~is_held], shape=(len(training), len(items)))
    positions = np.flatnonzero(is_held)
    in_fold = np.zeros(len(log), dtype=bool)
    order = positions[np.argsort(log.user_ids[positions], kind="stable")]
    boundaries = np.flatnonzero(np.diff(log.user_ids[order])) + 1
    for group in np.split(order, boundaries):
        shuffled = rng.permutation(group)
        in_fold[shuffled[: int(round(fold_share * len(shuffled)))]] = True
    held_rows = np.searchsorted(held, log.user_ids)
    fold_mask = is_held & in_fold
    test_mask = is_held & ~in_fold & (log.stars >= 3)
    shape = (len(held), len(items))
    fold = build_matrix(held_rows[fold_mask], item_index[fold_mask], log.stars[fold_mask], shape=shape)
    test = build_matrix(held_rows[test_mask], item_index[test_mask], np.ones(test_mask.sum()), shape=shape)
    return StrongSplit(train, fold, test, items)


# --- metrics ---------------------------------------------------------------------------------------


def evaluate_lists(
    lists: np.ndarray, target: sp.csr_matrix, *, popularity: np.ndarray, n_users_train: int
) -> dict[str, float]:
    """``lists``: (users, 20) recommended item indices (-1 = empty slot); ``target`` held-out items."""
    users = np.flatnonzero(np.diff(target.indptr) > 0)
    lists = lists[users]
    target = target[users]
    result: dict[str, float] = {}
    discounts = 1.0 / np.log2(np.arange(2, max(KS) + 2))
    n_relevant = np.diff(target.indptr)
    hits = np.zeros(lists.shape, dtype=bool)
    for row in range(len(users)):
        relevant = target.indices[target.indptr[row] : target.indptr[row + 1]]
        hits[row] = np.isin(lists[row], relevant) & (lists[row] >= 0)
    for k in KS:
        hit_k = hits[:, :k]
        result[f"recall@{k}"] = float((hit_k.sum(axis=1) / n_relevant).mean())
        dcg = (hit_k * discounts[:k]).sum(axis=1)
        ideal = np.array([discounts[: min(k, n)].sum() for n in n_relevant])
        result[f"ndcg@{k}"] = float((dcg / ideal).mean())
    top10 = lists[:, :10]
    shown = top10[top10 >= 0]
    head = popular_mask(popularity)
    result["coverage@10"] = float(len(np.unique(shown)) / len(popularity))
    result["long_tail@10"] = float((~head[shown]).mean()) if len(shown) else 0.0
    share = np.maximum(popularity, 1) / n_users_train
    result["novelty@10"] = float((-np.log2(share[shown])).mean()) if len(shown) else 0.0
    result["users"] = len(users)
    return result


def lists_from_scores(
    score_batch: Callable[[np.ndarray], np.ndarray], exclude: sp.csr_matrix, *, k: int = 20, batch: int = 1024
) -> np.ndarray:
    """Top-k lists for every user from a batch scorer, excluding each user's ``exclude`` items."""
    n_users = exclude.shape[0]
    out = np.full((n_users, k), -1, dtype=np.int64)
    for start in range(0, n_users, batch):
        rows = np.arange(start, min(start + batch, n_users))
        scores = np.asarray(score_batch(rows), dtype=np.float32)
        sub = exclude[rows].tocoo()
        scores[sub.row, sub.col] = -np.inf
        part = np.argpartition(-scores, k, axis=1)[:, :k]
        picked = np.take_along_axis(scores, part, axis=1)
        order = np.argsort(-picked, axis=1, kind="stable")
        out[rows] = np.take_along_axis(part, order, axis=1)
    return out


# --- models under evaluation -----------------------------------------------------------------------


def train_production(
    train: sp.csr_matrix,
    item_ids: np.ndarray,
    *,
    als: ALSParams,
    confidence: ConfidenceParams,
    blend: BlendParams,
    ease_regularization: float,
    threads: int = 0,
    on_iteration=None,
) -> tuple[Recommender, np.ndarray]:
    """Train the production model on a stars matrix; returns it and the training users' factors."""
    coo = train.tocoo()
    require_finite("training stars", coo.data)
    values = confidence_from_stars(coo.data, params=confidence)
    conf = build_matrix(coo.row, coo.col, values, shape=train.shape)
    user_factors, item_factors = train_als(conf, params=als, threads=threads, on_iteration=on_iteration)
    positive = build_matrix(
        coo.row, coo.col, (coo.data > confidence.low_star_threshold).astype(np.float32), shape=train.shape
    )
    positive.eliminate_zeros()
    popularity = item_popularity(positive)
    sums = np.asarray(sp.csr_matrix((coo.data, (coo.row, coo.col)), shape=train.shape).sum(axis=0)).ravel()
    counts = np.asarray((train != 0).sum(axis=0)).ravel()
    global_mean = float(coo.data.mean()) if len(coo.data) else 3.5
    quality = shrunk_mean(sums, counts, prior_mean=global_mean)
    ease = None
    if blend.ease_weight > 0 and train.shape[1] <= EASE_MAX_ITEMS:
        ease = ease_weights(
            positive, regularization=ease_regularization, dropout=blend.ease_dropout, user_norm=blend.ease_user_norm
        )
    model = Recommender(
        item_ids=item_ids,
        item_factors=item_factors,
        popularity=popularity,
        quality=quality.astype(np.float32),
        regularization=als.regularization,
        confidence=confidence,
        blend=blend,
        ease=ease,
    )
    # what the first stage shows the training members, for the diversity dial's exposure term
    model.set_exposure(exposure_counts(model, user_factors, train))
    return model, user_factors


def production_scores(
    model: Recommender,
    user_factors: np.ndarray,
    train: sp.csr_matrix,
    rows: np.ndarray,
    *,
    times: sp.csr_matrix | None = None,
) -> np.ndarray:
    """The served blend's scores for the members ``rows`` of ``train``. ``times``: when each ``train`` rating
    was given; each member's liked films then go to the model oldest first, as serving passes them (recency
    weighting). Without it every film weighs the same."""
    by_time = times is not None
    if by_time and not (np.array_equal(times.indptr, train.indptr) and np.array_equal(times.indices, train.indices)):
        raise ValueError("times must have the same entries as train")
    liked = []
    for r in rows:
        start, end = train.indptr[r], train.indptr[r + 1]
        keep = train.data[start:end] > model.confidence.low_star_threshold
        items = train.indices[start:end][keep]
        if by_time:
            items = items[np.argsort(times.data[start:end][keep], kind="stable")]
        liked.append(items)
    return model.scores(user_factors[rows], liked, by_time=by_time)


def production_lists(
    model: Recommender,
    user_factors: np.ndarray,
    train: sp.csr_matrix,
    exclude: sp.csr_matrix,
    *,
    mode: str,
    k: int = 20,
    times: sp.csr_matrix | None = None,
) -> np.ndarray:
    """Top-k lists of the served blend in ``mode`` (see ``production_scores`` for ``times``)."""
    if mode == "accurate":
        return lists_from_scores(
            lambda rows: production_scores(model, user_factors, train, rows, times=times), exclude, k=k
        )
    out = np.full((exclude.shape[0], k), -1, dtype=np.int64)
    batch = 512
    for start in range(0, exclude.shape[0], batch):
        rows = np.arange(start, min(start + batch, exclude.shape[0]))
        scores = production_scores(model, user_factors, train, rows, times=times)
        for offset, row in enumerate(rows):
            excluded = exclude.indices[exclude.indptr[row] : exclude.indptr[row + 1]]
            ranked = model.rank(scores[offset], k, mode=mode, exclude=excluded)
            out[row, : len(ranked)] = ranked
    return out


@dataclass
class Tuned:
    ease_regularization: float
    als: ALSParams
    confidence: ConfidenceParams
    blend: BlendParams
    log: list
    production_lambda: float | None = None  # the blend's EASE/EDLAE λ when EDLAE won (else ease_regularization)

    @property
    def blend_lambda(self) -> float:
        return self.ease_regularization if self.production_lambda is None else self.production_lambda


def _binary(matrix: sp.csr_matrix) -> sp.csr_matrix:
    out = matrix.copy()
    out.data = np.ones_like(out.data)
    return out


def tune(split: Split, *, threads: int = 0, quick: bool = False, echo=print) -> Tuned:
    """Grid search on the validation split (never the test split)."""
    train, valid = split.train, split.valid
    popularity = item_popularity(train)
    n_users = train.shape[0]
    binary = _binary(train)
    log: list = []

    def valid_ndcg(lists: np.ndarray) -> dict:
        return evaluate_lists(lists, valid, popularity=popularity, n_users_train=n_users)

    def ease_valid(label: str, lam: float, *, logged: dict, **options) -> float:
        """Validation NDCG@10 of EASE with regularisation ``lam`` and ``options``; logged and echoed."""
        weights = ease_weights(binary, regularization=lam, **options)
        metrics = valid_ndcg(lists_from_scores(lambda rows, weights=weights: binary[rows] @ weights, binary))
        log.append({"model": label, "lambda": lam, **logged, **metrics})
        name = " ".join([label, *(f"{key}={value}" for key, value in logged.items())])
        echo(f"  {name} λ={lam}: valid ndcg@10={metrics['ndcg@10']:.4f}")
        return metrics["ndcg@10"]

    best_ease = (None, -1.0)
    for lam in [500.0] if quick else [250.0, 500.0, 1000.0]:
        ndcg = ease_valid("ease", lam, logged={})
        if ndcg > best_ease[1]:
            best_ease = (lam, ndcg)
    ease_lambda = production_lambda = best_ease[0]
    # EDLAE: dropout regularises popular items more; it wants a smaller uniform λ beside it.
    best_dropout = (0.0, best_ease[1])
    for dropout, lam in [] if quick else [(0.1, ease_lambda / 2), (0.25, ease_lambda / 4), (0.33, ease_lambda / 8)]:
        ndcg = ease_valid("edlae", lam, logged={"dropout": dropout}, dropout=dropout)
        if ndcg > best_dropout[1]:
            best_dropout = (dropout, ndcg)
            production_lambda = lam
    ease_dropout = best_dropout[0]
    # Member-activity weighting of the Gram matrix (XᵀD⁻ᵃX): smaller entries, so a smaller λ beside it.
    best_norm = (0.0, max(best_ease[1], best_dropout[1]))
    for user_norm, lam in [] if quick else [(0.5, 40.0), (0.5, 80.0), (0.75, 20.0), (0.75, 40.0), (1.0, 5.0)]:
        ndcg = ease_valid(
            "ease-user-norm", lam, logged={"user_norm": user_norm}, dropout=ease_dropout, user_norm=user_norm
        )
        if ndcg > best_norm[1]:
            best_norm = (user_norm, ndcg)
            production_lambda = lam
    ease_user_norm = best_norm[0]

    def als_valid(als: ALSParams, conf: ConfidenceParams, blend: BlendParams) -> dict:
        model, user_factors = train_production(
            train,
            split.item_ids,
            als=als,
            confidence=conf,
            blend=blend,
            ease_regularization=ease_lambda,
            threads=threads,
        )
        return valid_ndcg(production_lists(model, user_factors, train, binary, mode="accurate"))

    best = (ALSParams(), ConfidenceParams(), -1.0)
    grid_factors = [64] if quick else [32, 64, 128]
    grid_reg = [1.0] if quick else [0.1, 1.0, 5.0]
    grid_alpha = [4.0] if quick else [2.0, 4.0, 8.0]
    for factors in grid_factors:
        for reg in grid_reg:
            for alpha in grid_alpha:
                als = ALSParams(factors=factors, regularization=reg, iterations=15)
                conf = ConfidenceParams(alpha=alpha)
                metrics = als_valid(als, conf, BlendParams())
                log.append({"model": "als", **als.as_dict(), "alpha": alpha, **metrics})
                echo(f"  als f={factors} reg={reg} alpha={alpha}: valid ndcg@10={metrics['ndcg@10']:.4f}")
                if metrics["ndcg@10"] > best[2]:
                    best = (als, conf, metrics["ndcg@10"])
    als_best, conf_best, _ = best
    for power in [] if quick else [0.5, 2.0]:
        conf = ConfidenceParams(alpha=conf_best.alpha, power=power)
        metrics = als_valid(als_best, conf, BlendParams())
        log.append({"model": "als", "power": power, **metrics})
        echo(f"  als power={power}: valid ndcg@10={metrics['ndcg@10']:.4f}")
        if metrics["ndcg@10"] > best[2]:
            best = (als_best, conf, metrics["ndcg@10"])
    als_best, conf_best, _ = best

    # The blend: EASE share and popularity penalty, on one trained model. Accuracy first, then the largest
    # penalty that keeps validation NDCG@10 within 1% of the best blend (coverage and novelty are its point).
    model, user_factors = train_production(
        train,
        split.item_ids,
        als=als_best,
        confidence=conf_best,
        blend=BlendParams(ease_weight=0.5, ease_dropout=ease_dropout, ease_user_norm=ease_user_norm),
        ease_regularization=production_lambda,
        threads=threads,
    )
    blend_results = []
    for weight in [0.0, 0.5, 0.7, 0.85, 0.9]:
        for penalty in [0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8]:
            model.blend = BlendParams(
                ease_weight=weight, popularity_penalty=penalty, ease_dropout=ease_dropout, ease_user_norm=ease_user_norm
            )
            metrics = valid_ndcg(production_lists(model, user_factors, train, binary, mode="accurate"))
            log.append({"model": "blend", **model.blend.as_dict(), **metrics})
            echo(
                f"  blend w={weight} β={penalty}: valid ndcg@10={metrics['ndcg@10']:.4f} novelty={metrics['novelty@10']:.3f}"
            )
            blend_results.append((model.blend, metrics))
    top = max(metrics["ndcg@10"] for _, metrics in blend_results)
    eligible = [(b, m) for b, m in blend_results if m["ndcg@10"] >= 0.99 * top]
    blend_best = max(eligible, key=lambda pair: (pair[0].popularity_penalty, pair[1]["ndcg@10"]))[0]
    return Tuned(ease_lambda, als_best, conf_best, blend_best, log, production_lambda)


def run_protocol(split: Split, tuned: Tuned, *, threads: int = 0, core: bool = False, echo=print) -> list[dict]:
    """Final table on the test split: every row trained on the training split with the tuned settings.

    ``core``: only EASE and production (accurate), the two rows the targets compare.
    """
    train, test = split.train, split.test
    binary = _binary(train)
    exclude = _binary(train + split.valid)  # training and validation items are known to the member
    popularity = item_popularity(train)
    n_users = train.shape[0]
    rows: list[dict] = []

    def add(name: str, lists: np.ndarray, seconds: float, params: dict) -> None:
        metrics = evaluate_lists(lists, test, popularity=popularity, n_users_train=n_users)
        rows.append({"model": name, **metrics, "train_seconds": round(seconds, 2), "params": params})
        echo(
            f"  {name}: ndcg@10={metrics['ndcg@10']:.4f} recall@10={metrics['recall@10']:.4f} "
            f"coverage={metrics['coverage@10']:.3f} long_tail={metrics['long_tail@10']:.3f} novelty={metrics['novelty@10']:.3f}"
        )

    if not core:
        add("popularity", lists_from_scores(lambda r: np.tile(popularity, (len(r), 1)), exclude), 0.0, {})
        started = time.perf_counter()
        knn = item_knn_weights(binary)
        add(
            "item-kNN (cosine)",
            lists_from_scores(lambda r: binary[r] @ knn, exclude),
            time.perf_counter() - started,
            {"neighbours": 100, "shrink": 10},
        )
    started = time.perf_counter()
    ease = ease_weights(binary, regularization=tuned.ease_regularization)
    add(
        "EASE",
        lists_from_scores(lambda r: binary[r] @ ease, exclude),
        time.perf_counter() - started,
        {"lambda": tuned.ease_regularization},
    )
    if not core:
        started = time.perf_counter()
        plain, user_factors = train_production(
            train,
            split.item_ids,
            als=tuned.als,
            confidence=tuned.confidence,
            blend=BlendParams(),
            ease_regularization=0,
            threads=threads,
        )
        add(
            "ALS",
            production_lists(plain, user_factors, train, exclude, mode="accurate"),
            time.perf_counter() - started,
            {**tuned.als.as_dict(), "alpha": tuned.confidence.alpha, "power": tuned.confidence.power},
        )
    started = time.perf_counter()
    model, user_factors = train_production(
        train,
        split.item_ids,
        als=tuned.als,
        confidence=tuned.confidence,
        blend=tuned.blend,
        ease_regularization=tuned.blend_lambda,
        threads=threads,
    )
    seconds = time.perf_counter() - started
    for mode in ("accurate",) if core else ("accurate", "diverse", "gems"):
        add(
            f"production ({mode})",
            production_lists(model, user_factors, train, exclude, mode=mode, times=split.train_times),
            seconds,
            tuned.blend.as_dict(),
        )
    return rows


def run_strong(
    split: StrongSplit, tuned: Tuned, *, threads: int = 0, seed: int = 42, core: bool = False, echo=print
) -> list[dict]:
    """Strong generalisation: held-out members folded in as served, against EASE and ALS on the same data."""
    positives = split.train.copy()
    positives.data = (positives.data >= 3).astype(np.float32)
    positives.eliminate_zeros()
    popularity = item_popularity(positives)
    n_users = split.train.shape[0]
    fold_positive = split.fold.copy()
    fold_positive.data = (fold_positive.data >= 3).astype(np.float32)
    fold_positive.eliminate_zeros()
    exclude = _binary(split.fold)
    rows: list[dict] = []

    def add(name: str, lists: np.ndarray, seconds: float, params: dict) -> None:
        metrics = evaluate_lists(lists, split.test, popularity=popularity, n_users_train=n_users)
        rows.append({"model": name, **metrics, "train_seconds": round(seconds, 2), "params": params})
        echo(
            f"  {name}: ndcg@10={metrics['ndcg@10']:.4f} recall@10={metrics['recall@10']:.4f} coverage={metrics['coverage@10']:.3f}"
        )

    if not core:
        add("popularity", lists_from_scores(lambda r: np.tile(popularity, (len(r), 1)), exclude), 0.0, {})
    started = time.perf_counter()
    ease = ease_weights(positives, regularization=tuned.ease_regularization)
    add(
        "EASE",
        lists_from_scores(lambda r: fold_positive[r] @ ease, exclude),
        time.perf_counter() - started,
        {"lambda": tuned.ease_regularization},
    )
    models = (("ALS", BlendParams()), ("production (accurate)", tuned.blend))
    for name, blend in models[1:] if core else models:
        started = time.perf_counter()
        model, _ = train_production(
            split.train,
            split.item_ids,
            als=ALSParams(**{**tuned.als.as_dict(), "seed": seed}),
            confidence=tuned.confidence,
            blend=blend,
            ease_regularization=tuned.blend_lambda,
            threads=threads,
        )
        seconds = time.perf_counter() - started
        add(name, fold_in_lists(model, split.fold, exclude), seconds, blend.as_dict())
    return rows


def fold_in_lists(model: Recommender, fold: sp.csr_matrix, exclude: sp.csr_matrix, *, k: int = 20) -> np.ndarray:
    """Top-k for members who were not trained on: each folded in from their stars as the site serves them."""
    out = np.full((fold.shape[0], k), -1, dtype=np.int64)
    for row in range(fold.shape[0]):
        start, end = fold.indptr[row], fold.indptr[row + 1]
        if end == start:
            continue
        items, stars = fold.indices[start:end], fold.data[start:end]
        # the fold-in share is a random 80%, not ordered by time: every film weighs the same
        scores, _ = model.profile_scores(items, confidence_from_stars(stars, params=model.confidence), by_time=False)
        ranked = model.rank(scores, k, exclude=exclude.indices[exclude.indptr[row] : exclude.indptr[row + 1]])
        out[row, : len(ranked)] = ranked
    return out


def summarise(runs: list[list[dict]]) -> list[dict]:
    """Rows of several seeds → one row per model with ``metric`` (mean) and ``metric_std`` for each metric."""
    summary = []
    for position, first in enumerate(runs[0]):
        same = [run[position] for run in runs]
        row = {"model": first["model"], "seeds": len(runs), "params": first["params"]}
        for key, value in first.items():
            if isinstance(value, int | float) and not isinstance(value, bool) and key != "users":
                values = np.array([r[key] for r in same], dtype=np.float64)
                row[key] = float(values.mean())
                row[f"{key}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        row["users"] = first.get("users")
        summary.append(row)
    # Seeds move every model together (another split, other members): the paired difference to EASE on
    # the same seed is what tells a real gain from noise.
    ease = next((p for p, r in enumerate(runs[0]) if r["model"] == "EASE"), None)
    if ease is not None:
        for position, row in enumerate(summary):
            diff = np.array([run[position]["ndcg@10"] - run[ease]["ndcg@10"] for run in runs], dtype=np.float64)
            row["ndcg@10_minus_ease"] = float(diff.mean())
            row["ndcg@10_minus_ease_std"] = float(diff.std(ddof=1)) if len(diff) > 1 else 0.0
    return summary
