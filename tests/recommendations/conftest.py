from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache

from tests.factories import make_film, make_member

TRAIN_PARAMS = {
    "als": {"factors": 8, "regularization": 0.1, "iterations": 10, "seed": 1},
    "confidence": {"alpha": 4.0, "power": 1.0, "negative_weight": 0.1, "low_star_threshold": 2.0},
    "blend": {
        "ease_weight": 0.5,
        "popularity_penalty": 0.0,
        "diversity": 0.5,
        "gems_quality_floor": 0.0,
        "candidate_pool": 50,
        "ease_user_norm": 0.75,
        "recency_boost": 0.5,  # as served: reasons must stay exact with recent films weighing more
        "recency_tau": 10.0,
    },
    "ease_lambda": 5.0,
}


@pytest.fixture(autouse=True)
def _isolated_recommender(settings, tmp_path, db):
    """Each test gets its own MODEL_DIR, no plot embeddings (no torch in tests), and a cold serving cache."""
    from recommendations import serving

    settings.MODEL_DIR = tmp_path / "models"
    settings.RECOMMENDER_PLOT_EMBEDDINGS = False
    serving._serving_cache.reset()
    serving._broken.clear()
    cache.clear()
    yield
    serving._serving_cache.reset()
    serving._broken.clear()
    cache.clear()


@pytest.fixture
def taste_world(db):
    """Two tastes: 8 action films and 8 romance films; 20 members love one side and rate the other low."""
    from reviews.models import Rating

    action = [make_film(f"Action {i}", year=1980 + i, genres=("Action",)) for i in range(8)]
    romance = [make_film(f"Romance {i}", year=1990 + i, genres=("Romance",)) for i in range(8)]
    ratings = []
    for m in range(20):
        member = make_member(f"member{m}")
        loved, other = (action, romance) if m % 2 == 0 else (romance, action)
        for i, film in enumerate(loved):
            if (i + m) % 4 != 0:  # everyone skips some films, so there is something to recommend
                ratings.append(Rating(user=member, film=film, stars=Decimal("5.0") if i % 2 else Decimal("4.5")))
        ratings.append(Rating(user=member, film=other[m % 8], stars=Decimal("1.5")))
    Rating.objects.bulk_create(ratings)
    for film in action + romance:
        film.rating_count = Rating.objects.filter(film=film).count()
        film.rating_mean = 4.0
        film.save(update_fields=["rating_count", "rating_mean"])
    return {"action": action, "romance": romance}


@pytest.fixture
def trained(taste_world):
    from recommendations.services import recommender_train

    model = recommender_train(params=TRAIN_PARAMS)
    return {**taste_world, "model": model}
