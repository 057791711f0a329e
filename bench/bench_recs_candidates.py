"""Candidate first stages on the RecBole ML-1M VALIDATION split (never the test split): EASE vs EDLAE vs
EASE on a member-activity-weighted Gram matrix (user_norm), alone and inside the production blend, with the
site's ALS settings.

python bench/bench_recs_candidates.py [--ratings-file PATH] [--seed 2020]
"""

from __future__ import annotations

import argparse
import time

from recbole_validation import validation_split


def main() -> None:
    _args, split = validation_split(argparse.ArgumentParser())
    import dataclasses

    from recommendations.engine import evaluation as ev
    from recommendations.engine.baselines import ease_weights, item_popularity
    from recommendations.management.commands.evaluate_recommender import production_tuned

    binary = ev._binary(split.train)
    popularity = item_popularity(split.train)

    def valid(lists) -> str:
        m = ev.evaluate_lists(lists, split.valid, popularity=popularity, n_users_train=split.shape[0])
        return f"valid ndcg@10 {m['ndcg@10']:.4f} coverage@10 {m['coverage@10']:.3f}"

    # (dropout p, user_norm a, λ)
    candidates = [
        (0.0, 0.0, 1000.0),
        (0.0, 0.0, 500.0),
        (0.1, 0.0, 500.0),
        (0.25, 0.0, 250.0),
        (0.33, 0.0, 125.0),
        (0.5, 0.0, 50.0),
        (0.0, 0.5, 40.0),
        (0.0, 0.5, 80.0),
        (0.0, 0.75, 20.0),
        (0.0, 0.75, 40.0),
        (0.0, 1.0, 5.0),
    ]
    for dropout, user_norm, lam in candidates:
        started = time.perf_counter()
        weights = ease_weights(binary, regularization=lam, dropout=dropout, user_norm=user_norm)
        lists = ev.lists_from_scores(lambda rows, w=weights: binary[rows] @ w, binary)
        seconds = time.perf_counter() - started
        print(f"EASE p={dropout} a={user_norm} λ={lam}: {valid(lists)} ({seconds:.1f} s)", flush=True)
    tuned = production_tuned()
    for dropout, user_norm, lam in [(0.0, 0.0, 1000.0), (0.25, 0.0, 250.0), (0.0, 0.75, 20.0)]:
        blend = dataclasses.replace(tuned.blend, ease_dropout=dropout, ease_user_norm=user_norm)
        model, user_factors = ev.train_production(
            split.train,
            split.item_ids,
            als=tuned.als,
            confidence=tuned.confidence,
            blend=blend,
            ease_regularization=lam,
            threads=2,
        )
        lists = ev.production_lists(model, user_factors, split.train, binary, mode="accurate")
        print(
            f"production blend ({blend.ease_weight}, β {blend.popularity_penalty}) with EASE p={dropout} a={user_norm} λ={lam}: {valid(lists)}",
            flush=True,
        )


if __name__ == "__main__":
    main()
