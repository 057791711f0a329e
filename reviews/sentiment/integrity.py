"""Manipulation resistance for ratings: burst detection and a robust average. Plain functions over arrays.

A burst is a window of days whose rating volume is far above the film's own history (robust z-score of
rolling window counts, median/MAD of the earlier windows) and whose star histogram departs from the history
(KL divergence, chi-square test). Ratings in a burst from new or single-purpose accounts are flagged; the
robust average leaves flagged ratings out and damps towards the catalogue mean (Bayesian average).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

HALF_STARS = np.arange(1, 11) / 2  # 0.5 .. 5.0


@dataclass(frozen=True)
class Burst:
    start_day: int  # inclusive, in the same day numbering as the input
    end_day: int  # inclusive
    count: int
    volume_z: float
    kl_divergence: float
    p_value: float | None
    flagged: np.ndarray = field(repr=False)  # indices (into the input arrays) of the suspicious ratings
    suspicious_share: float = 0.0


def star_histogram(stars: np.ndarray, *, smoothing: float = 0.0) -> np.ndarray:
    """Counts per half-star (10 bins), plus `smoothing` in every bin."""
    bins = np.clip(np.rint(np.asarray(stars, dtype=float) * 2).astype(int) - 1, 0, 9)
    return np.bincount(bins, minlength=10).astype(float) + smoothing


def kl_divergence(window_stars: np.ndarray, history_stars: np.ndarray) -> float:
    """KL(window ‖ history) over half-star bins with add-one smoothing, in nats."""
    p = star_histogram(window_stars, smoothing=1.0)
    q = star_histogram(history_stars, smoothing=1.0)
    p, q = p / p.sum(), q / q.sum()
    return float(np.sum(p * np.log(p / q)))


def chi_square_p(window_stars: np.ndarray, history_stars: np.ndarray) -> float | None:
    """p-value that window and history share a star distribution (None when either is empty)."""
    from scipy.stats import chi2_contingency

    table = np.vstack([star_histogram(window_stars), star_histogram(history_stars)])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return None
    return float(chi2_contingency(table)[1])


def robust_z(value: float, history: np.ndarray) -> float:
    """(value − median) / (1.4826·MAD), with a floor of 1 on the scale so sparse histories do not explode."""
    if len(history) == 0:
        return 0.0
    median = float(np.median(history))
    mad = float(np.median(np.abs(history - median)))
    return (value - median) / max(1.4826 * mad, 1.0)


def volume_windows(days: np.ndarray, *, window: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """(first day of each window, ratings in it) for every `window`-day span from the first rating to the last."""
    days = np.asarray(days, dtype=int)
    first, last = int(days.min()), int(days.max())
    daily = np.bincount(days - first, minlength=last - first + 1)
    sums = (
        np.convolve(daily, np.ones(window, dtype=int), mode="valid")
        if len(daily) >= window
        else daily.sum(keepdims=True)
    )
    return first + np.arange(len(sums)), sums


def suspicious_accounts(
    account_age_days: np.ndarray, account_rating_count: np.ndarray, *, new_days: int = 7, single_purpose: int = 3
) -> np.ndarray:
    """Boolean mask: ratings made by accounts under `new_days` old at the time, or with ≤ `single_purpose` ratings."""
    return (np.asarray(account_age_days) < new_days) | (np.asarray(account_rating_count) <= single_purpose)


def detect_bursts(
    days: Sequence[int],
    stars: Sequence[float],
    *,
    account_age_days: Sequence[float] | None = None,
    account_rating_count: Sequence[int] | None = None,
    window: int = 7,
    min_history_windows: int = 8,
    z_threshold: float = 4.0,
    min_count: int = 10,
    min_kl: float = 0.15,
) -> list[Burst]:
    """Windows of unusual volume *and* unusual stars, each compared with everything before it.

    Overlapping flagged windows are merged. A burst needs at least `min_history_windows` windows of history:
    a film's launch week is not a burst of its own history.
    """
    days_arr = np.asarray(days, dtype=int)
    stars_arr = np.asarray(stars, dtype=float)
    if len(days_arr) < min_count:
        return []
    starts, sums = volume_windows(days_arr, window=window)
    hits: list[tuple[int, float]] = []
    for index in range(min_history_windows, len(sums)):
        if sums[index] < min_count:
            continue
        # Earlier windows that do not overlap this one.
        history = sums[: max(0, index - window + 1)]
        if len(history) < min_history_windows:
            continue
        z = robust_z(float(sums[index]), history)
        if z >= z_threshold:
            hits.append((int(starts[index]), z))
    merged: list[tuple[int, int, float]] = []
    for start, z in hits:
        end = start + window - 1
        if merged and start <= merged[-1][1] + 1:
            first, _, best = merged[-1]
            merged[-1] = (first, end, max(best, z))
        else:
            merged.append((start, end, z))

    suspicious = None
    if account_age_days is not None and account_rating_count is not None:
        suspicious = suspicious_accounts(np.asarray(account_age_days), np.asarray(account_rating_count))
    bursts = []
    for start, end, z in merged:
        inside = (days_arr >= start) & (days_arr <= end)
        before = days_arr < start
        kl = kl_divergence(stars_arr[inside], stars_arr[before])
        if kl < min_kl:
            continue  # more ratings than usual, but of the usual kind: a release or a festival, not a brigade
        flagged = np.flatnonzero(inside & suspicious) if suspicious is not None else np.flatnonzero(inside)
        bursts.append(
            Burst(
                start_day=start,
                end_day=end,
                count=int(inside.sum()),
                volume_z=round(z, 2),
                kl_divergence=round(kl, 3),
                p_value=chi_square_p(stars_arr[inside], stars_arr[before]),
                flagged=flagged,
                suspicious_share=round(len(flagged) / max(1, int(inside.sum())), 3) if suspicious is not None else 1.0,
            )
        )
    return bursts


def robust_mean(
    stars: Sequence[float],
    *,
    prior_mean: float,
    prior_weight: float = 10.0,
    exclude: Sequence[bool] | np.ndarray | None = None,
) -> float | None:
    """Bayesian average: (sum of kept stars + prior_weight·prior_mean) / (kept + prior_weight). None for no ratings."""
    stars_arr = np.asarray(stars, dtype=float)
    if exclude is not None:
        stars_arr = stars_arr[~np.asarray(exclude, dtype=bool)]
    if len(stars_arr) == 0 and prior_weight == 0:
        return None
    return float((stars_arr.sum() + prior_weight * prior_mean) / (len(stars_arr) + prior_weight))
