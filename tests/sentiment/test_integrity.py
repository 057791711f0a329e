from __future__ import annotations

import numpy as np

from reviews.sentiment.integrity import chi_square_p, detect_bursts, kl_divergence, robust_mean, robust_z


def organic_history(rng, *, days: int = 200, per_day: float = 3.0):
    """A film rated a few times a day, stars centred on 3.5."""
    counts = rng.poisson(per_day, size=days)
    rating_days = np.repeat(np.arange(days), counts)
    stars = np.clip(np.round(rng.normal(3.5, 0.9, size=len(rating_days)) * 2) / 2, 0.5, 5.0)
    return rating_days, stars


def test_a_brigade_of_new_accounts_giving_half_stars_is_detected_and_flagged():
    rng = np.random.default_rng(0)
    days, stars = organic_history(rng)
    ages = rng.uniform(30, 2000, size=len(days))
    totals = rng.integers(10, 500, size=len(days))
    # 120 one-star-or-less ratings over three days from accounts made that week with one rating each.
    brigade_days = np.repeat([150, 151, 152], 40)
    days = np.concatenate([days, brigade_days])
    stars = np.concatenate([stars, np.full(120, 0.5)])
    ages = np.concatenate([ages, np.full(120, 2.0)])
    totals = np.concatenate([totals, np.ones(120)])

    [burst] = detect_bursts(days, stars, account_age_days=ages, account_rating_count=totals)
    assert burst.start_day <= 150 and burst.end_day >= 152
    assert burst.volume_z >= 4 and burst.kl_divergence > 0.5 and burst.p_value < 1e-6
    assert set(range(len(days) - 120, len(days))) <= set(burst.flagged.tolist())
    assert burst.suspicious_share > 0.7

    plain = stars.mean()
    excluded = np.zeros(len(stars), dtype=bool)
    excluded[burst.flagged] = True
    robust = robust_mean(stars, prior_mean=3.5, exclude=excluded)
    assert abs(robust - 3.5) < 0.15 < abs(plain - 3.5)


def test_organic_ratings_raise_no_burst():
    rng = np.random.default_rng(1)
    days, stars = organic_history(rng)
    assert detect_bursts(days, stars) == []


def test_a_volume_spike_with_the_usual_stars_is_not_a_burst():
    """A re-release brings many more ratings, but distributed as always: no manipulation evidence."""
    rng = np.random.default_rng(2)
    days, stars = organic_history(rng)
    extra_days = np.repeat([160, 161, 162], 40)
    extra_stars = np.clip(np.round(rng.normal(3.5, 0.9, size=120) * 2) / 2, 0.5, 5.0)
    assert detect_bursts(np.concatenate([days, extra_days]), np.concatenate([stars, extra_stars])) == []


def test_too_few_ratings_give_nothing():
    assert detect_bursts([1, 2, 3], [5.0, 5.0, 5.0]) == []


def test_divergence_and_chi_square_separate_different_distributions():
    same = kl_divergence(np.array([3.0, 3.5, 4.0] * 30), np.array([3.0, 3.5, 4.0] * 50))
    different = kl_divergence(np.full(90, 0.5), np.array([3.0, 3.5, 4.0] * 50))
    assert same < 0.05 < different
    assert chi_square_p(np.full(90, 0.5), np.array([3.0, 3.5, 4.0] * 50)) < 1e-6
    assert chi_square_p(np.array([]), np.array([3.0])) is None


def test_robust_mean_damps_small_samples_towards_the_prior():
    assert robust_mean([5.0], prior_mean=3.0, prior_weight=9) == 3.2
    assert robust_mean([], prior_mean=3.0) == 3.0
    assert abs(robust_mean([4.0] * 1000, prior_mean=3.0) - 4.0) < 0.02


def test_robust_z_ignores_outliers_in_history():
    history = np.array([10, 11, 9, 10, 500, 10, 11])
    assert robust_z(60, history) > 20
