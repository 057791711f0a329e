"""From stars to the confidence that ALS learns from.

Implicit-feedback ALS (Hu, Koren & Volinsky 2008) fits a preference p_ui ∈ {0, 1} with a confidence c_ui:
every unobserved (member, film) pair counts as "probably not for them" with confidence 1, an observed one
as "for them" with confidence c_ui > 1. The `implicit` library takes c_ui directly as the matrix value, and a
negative value −c as "not for them" with confidence c.

Our choice:

- **Confidence grows with the stars**: ``c = 1 + alpha * ((stars - 2) / 3) ** power`` for stars > 2, so a
  ★★★ rating is weak evidence, ★★★★★ the strongest; ``alpha`` and ``power`` are tuned on validation.
- **Low stars (<= 2) are weak negative evidence**: ``c = -(1 + negative_weight * alpha)``. Someone who rated a
  film ★★ watched it, so the film was in their region of taste (a plain positive would teach "more like
  this"); but they disliked it, so it must not count as a like either. Zero confidence would throw away
  the fact that they said "no"; a strong negative would push away whole neighbourhoods on one bad
  evening. A small negative weight says "not this one" a little more firmly than an unseen film does.
- What a like, a like with stars or a watched film without stars is worth in stars is defined once, in
  ``signals.py``; this module only turns those effective stars into confidences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .signals import counts_as_positive, effective_stars, require_finite


@dataclass(frozen=True)
class ConfidenceParams:
    alpha: float = 8.0
    power: float = 1.0
    negative_weight: float = 0.1
    low_star_threshold: float = 2.0


def confidence_from_stars(
    stars: np.ndarray, *, params: ConfidenceParams = ConfidenceParams(), liked: np.ndarray | None = None
) -> np.ndarray:
    """Matrix values for implicit's ALS: > 1 for positives, < -1 for negatives (float32), never NaN.

    ``stars`` are raw stars (NaN = none given) read through ``signals.effective_stars`` with ``liked``.
    """
    stars = effective_stars(stars, liked)
    positive = counts_as_positive(stars, low_star_threshold=params.low_star_threshold)
    strength = np.clip((stars - params.low_star_threshold) / (5.0 - params.low_star_threshold), 0.0, 1.0)
    values = np.where(
        positive,
        1.0 + params.alpha * strength**params.power,
        -(1.0 + params.negative_weight * params.alpha),
    ).astype(np.float32)
    require_finite("confidence", values)
    return values
