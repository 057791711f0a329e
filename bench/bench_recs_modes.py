"""The modes on the RecBole ML-1M VALIDATION split (never the test split): the diversity dial's re-ranking
(exposure term × MMR similarity term × candidate pool) against MMR alone, with the site's blend and dial 0.5.

python bench/bench_recs_modes.py [--ratings-file PATH] [--seed 2020] [--threads 1]
"""

from __future__ import annotations

import argparse

from recbole_validation import validation_split


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    args, split = validation_split(parser)
    import dataclasses

    from recommendations.engine import evaluation as ev
    from recommendations.engine.baselines import item_popularity
    from recommendations.management.commands.evaluate_recommender import production_tuned

    known = ev._binary(split.train)
    popularity = item_popularity(split.train)
    tuned = production_tuned()
    model, user_factors = ev.train_production(
        split.train,
        split.item_ids,
        als=tuned.als,
        confidence=tuned.confidence,
        blend=tuned.blend,
        ease_regularization=tuned.blend_lambda,
        threads=args.threads,
    )
    exposure = model.exposure

    def row(name: str, mode: str) -> None:
        lists = ev.production_lists(model, user_factors, split.train, known, mode=mode, times=split.train_times)
        m = ev.evaluate_lists(lists, split.valid, popularity=popularity, n_users_train=split.shape[0])
        print(
            f"{name}: valid ndcg@10 {m['ndcg@10']:.4f} coverage@10 {m['coverage@10']:.3f} "
            f"long-tail@10 {m['long_tail@10']:.3f} novelty@10 {m['novelty@10']:.3f}",
            flush=True,
        )

    row("accurate", "accurate")
    row("gems", "gems")
    model.set_exposure(None)  # the dial before exposure was counted: MMR alone
    for pool in (50, 100, 200, 400):
        model.blend = dataclasses.replace(tuned.blend, candidate_pool=pool)
        row(f"diverse, MMR alone, pool {pool}", "diverse")
    model.set_exposure(exposure)
    # at dial 0.5 the exposure weight is 0.5 · exposure_penalty and the MMR weight 0.5 · similarity_penalty
    for pool in (200, 400):
        for exposure_penalty in (0.6, 0.8, 1.0, 1.2):
            for similarity_penalty in (0.0, 0.2, 0.4, 0.6):
                model.blend = dataclasses.replace(
                    tuned.blend,
                    candidate_pool=pool,
                    exposure_penalty=exposure_penalty,
                    similarity_penalty=similarity_penalty,
                )
                row(f"diverse, pool {pool}, exposure {exposure_penalty}, similarity {similarity_penalty}", "diverse")
    model.blend = tuned.blend
    for dial in (0.1, 0.3, 0.5, 0.7, 1.0):
        model.blend = dataclasses.replace(tuned.blend, diversity=dial)
        row(f"served dial {dial}", "diverse")


if __name__ == "__main__":
    main()
