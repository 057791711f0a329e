"""Recommender speed on ML-1M: full retrain, fold-in + top-20 per member, and the page (in-process client).

python bench/bench_recs.py [--ratings-file PATH] [--members 300] [--skip-page]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cineaesthete.settings")
# The page is measured with Django's test client inside this process (no HTTPS, host "localhost").
os.environ.setdefault("ALLOWED_HOSTS", "localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")


def percentiles(samples: list[float]) -> str:
    ms = np.array(samples) * 1000
    return f"p50 {np.percentile(ms, 50):.1f} ms, p95 {np.percentile(ms, 95):.1f} ms (n={len(ms)})"


def main() -> None:
    import django

    django.setup()
    from django.conf import settings

    from recommendations.engine.als import ALSParams, single_threaded_blas
    from recommendations.engine.confidence import ConfidenceParams, confidence_from_stars
    from recommendations.engine.data import build_matrix, densify, load_ratings_file
    from recommendations.engine.evaluation import train_production
    from recommendations.engine.recommender import BlendParams
    from recommendations.services import default_params

    parser = argparse.ArgumentParser()
    parser.add_argument("--ratings-file", default=str(Path(settings.DATA_MIRROR) / "ml-1m" / "ratings.dat"))
    parser.add_argument("--members", type=int, default=300)
    parser.add_argument("--skip-page", action="store_true")
    args = parser.parse_args()

    params = default_params()
    log = load_ratings_file(args.ratings_file)
    users, items, user_index, item_index = densify(log)
    stars = build_matrix(user_index, item_index, log.stars, shape=(len(users), len(items)))
    started = time.perf_counter()
    model, _ = train_production(
        stars,
        items.ids,
        als=ALSParams(**params["als"]),
        confidence=ConfidenceParams(**params["confidence"]),
        blend=BlendParams(**params["blend"]),
        ease_regularization=params["ease_lambda"],
        threads=settings.ML_THREADS,
    )
    print(
        f"full retrain on {len(log):,} ratings ({len(users)} members × {len(items)} films, "
        f"ALS {params['als']['factors']} factors × {params['als']['iterations']} iterations + EASE): "
        f"{time.perf_counter() - started:.1f} s"
    )

    rng = np.random.default_rng(0)
    members = rng.choice(stars.shape[0], args.members, replace=False)
    for mode in ("accurate", "diverse"):
        samples = []
        for row in members:
            start, end = stars.indptr[row], stars.indptr[row + 1]
            item_rows, member_stars = stars.indices[start:end], stars.data[start:end]
            began = time.perf_counter()
            with single_threaded_blas():  # as the site serves it (serving.compute_recommendations)
                confidence = confidence_from_stars(member_stars, params=model.confidence)
                scores, folded = model.profile_scores(item_rows, confidence)
                top = model.rank(scores, 20, mode=mode, exclude=item_rows)
                model.contributions(folded, item_rows[confidence > 0], top)  # exact shares for the reasons
            samples.append(time.perf_counter() - began)
        print(f"fold-in + top-20 ({mode}) + reasons for one member: {percentiles(samples)}")

    if not args.skip_page:
        page_bench()


def page_bench() -> None:
    from django.core.cache import cache
    from django.test import Client

    from accounts.models import User

    demo = User.objects.filter(username="demo").first()
    if demo is None:
        print("recommendations page: skipped (run manage.py create_demo_member first)")
        return
    client = Client()
    client.force_login(demo)
    client.get("/recommendations/", HTTP_HOST="localhost")  # load the model into this process
    warm, cold = [], []
    for i in range(40):
        began = time.perf_counter()
        response = client.get("/recommendations/", {"diversity": f"{(i % 5) / 10:.1f}"}, HTTP_HOST="localhost")
        warm.append(time.perf_counter() - began)
        assert response.status_code == 200, response.status_code
        cache.clear()
        began = time.perf_counter()
        client.get("/recommendations/", {"mode": "gems"}, HTTP_HOST="localhost")
        cold.append(time.perf_counter() - began)
    print(f"recommendations page (in-process client, demo member): {percentiles(warm)}; uncached: {percentiles(cold)}")


if __name__ == "__main__":
    main()
