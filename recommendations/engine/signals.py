"""What each thing a member does means to the recommender: the one definition every path uses.

Training (``training_data``), fold-in (``serving``), EASE (via ``counts_as_positive``), the evaluation and
the README all read a member's activity through ``effective_stars``, so a like, a watched film or a rating
means the same when the model learns as when it serves.

==========================  ===========================================================
signal                      effective stars (what confidence.py then turns into weights)
==========================  ===========================================================
stars s, no like            s
like with stars s           min(s + ½, 5)
like without stars          4 (``LIKE_ONLY_STARS``)
watched, no stars, no like  3 (``WATCHED_STARS``): a diary entry or a bare "watched" mark; weak positive
watchlist, "not interested" not a signal: those films are only excluded from the member's lists
==========================  ===========================================================

Positive (counts for EASE, "liked" history, cold start) means effective stars above ``low_star_threshold``
(2 by default); at or below it a film is weak negative evidence. Reasons call a film "liked" only when the
member liked it or rated it ``LIKED_STARS`` (3.5) or more; otherwise "watched".
"""

from __future__ import annotations

import numpy as np

LIKE_ONLY_STARS = 4.0
LIKE_BONUS = 0.5
WATCHED_STARS = 3.0
LIKED_STARS = 3.5
MAX_STARS = 5.0


class SignalError(ValueError):
    """Stars outside 0.5–5 reached the recommender: nothing may be trained or served from them."""


def effective_stars(stars: np.ndarray, liked: np.ndarray | None = None) -> np.ndarray:
    """Stars the model reads for each (member, film) signal; ``stars`` NaN means "no stars given".

    Never returns NaN: a like without stars is ``LIKE_ONLY_STARS``, a film watched without stars or like
    is ``WATCHED_STARS``. Raises SignalError for infinite or out-of-range stars.
    """
    stars = np.asarray(stars, dtype=np.float64)
    liked = np.zeros(stars.shape, dtype=bool) if liked is None else np.asarray(liked, dtype=bool)
    missing = np.isnan(stars)
    given = stars[~missing]
    if len(given) and not (np.isfinite(given).all() and given.min() >= 0.5 and given.max() <= MAX_STARS):
        raise SignalError("stars must be between 0.5 and 5")
    out = np.where(missing, np.where(liked, LIKE_ONLY_STARS, WATCHED_STARS), stars)
    out = np.where(~missing & liked, np.minimum(out + LIKE_BONUS, MAX_STARS), out)
    return out.astype(np.float32)


def effective_star(stars: float | None, liked: bool) -> float:
    """``effective_stars`` for one signal (``None`` = no stars)."""
    return float(effective_stars(np.array([np.nan if stars is None else stars]), np.array([liked]))[0])


def counts_as_positive(effective: np.ndarray, *, low_star_threshold: float = 2.0) -> np.ndarray:
    """Which effective stars are positive evidence (EASE's history, "liked" films for cold start)."""
    return np.asarray(effective) > low_star_threshold


def is_liked(stars: float | None, liked: bool) -> bool:
    """Whether reasons may say the member *liked* the film (a like, or 3.5 stars and up)."""
    return bool(liked) or (stars is not None and stars >= LIKED_STARS)


def recency_weights(n: int, *, boost: float, tau: float) -> np.ndarray:
    """Weight of each of a member's ``n`` positive films, listed oldest first, in the EASE term of their score:
    ``1 + boost·exp(−age/tau)``, ``age`` = how many of their films came after it (0 = their latest).

    The whole history still counts (weight ≥ 1) and the latest films count up to ``1 + boost`` times as much;
    ``boost`` 0 = every film weighs 1. Never NaN: ``tau`` ≤ 0 is read as off.
    """
    if boost <= 0 or tau <= 0 or n == 0:
        return np.ones(n, dtype=np.float64)
    age = np.arange(n - 1, -1, -1, dtype=np.float64)
    return 1.0 + boost * np.exp(-age / tau)


def require_finite(name: str, values: np.ndarray) -> None:
    """Fail loudly before a NaN or infinity reaches a model or an artifact."""
    if not np.isfinite(np.asarray(values, dtype=np.float64)).all():
        raise SignalError(f"{name} contains NaN or infinite values")
