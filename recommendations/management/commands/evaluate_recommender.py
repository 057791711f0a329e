"""Offline evaluation, side by side: popularity, item-kNN, EASE, ALS and the production model's modes."""

from __future__ import annotations

import dataclasses
import json
import time

from django.core.management.base import BaseCommand, CommandError

from recommendations.engine import evaluation
from recommendations.engine.als import ALSParams
from recommendations.engine.confidence import ConfidenceParams
from recommendations.engine.data import load_ratings_file
from recommendations.engine.recommender import BlendParams
from recommendations.services import default_params
from recommendations.training_data import rating_log_from_db

PROTOCOLS = ("recbole-ml1m", "temporal", "strong")


def production_tuned() -> evaluation.Tuned:
    """The site's settings (tuned on the ML-1M validation split, see README) as a Tuned record."""
    params = default_params()
    return evaluation.Tuned(
        # the EASE row is plain EASE at its own validation-tuned λ; the blend's EASE has its own λ
        ease_regularization=evaluation.EASE_BASELINE_LAMBDA,
        production_lambda=params["ease_lambda"],
        als=ALSParams(**params["als"]),
        confidence=ConfidenceParams(**params["confidence"]),
        blend=BlendParams(**params["blend"]),
        log=[],
    )


class Command(BaseCommand):
    help = (
        "Evaluate the recommender under the RecBole ML-1M, temporal and strong-generalisation protocols "
        "(tuning on validation), as mean ± std over --seeds seeds."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--protocol", choices=[*PROTOCOLS, "all"], default="recbole-ml1m")
        parser.add_argument("--json", action="store_true", help="Print the result table as JSON on stdout.")
        parser.add_argument("--ratings-file", help="Read MovieLens ratings.dat/.csv instead of the database.")
        parser.add_argument("--quick", action="store_true", help="A tiny tuning grid (smoke runs).")
        parser.add_argument(
            "--production-params",
            action="store_true",
            help="Skip tuning: evaluate the site's settings (themselves tuned on validation).",
        )
        parser.add_argument("--seeds", type=int, default=1, help="Repeat over this many seeds (mean ± std).")
        parser.add_argument("--threads", type=int, default=0)
        parser.add_argument(
            "--core", action="store_true", help="Only EASE and production (accurate): the rows the targets compare."
        )
        parser.add_argument("--seed", type=int, default=2020)

    def handle(
        self,
        *args,
        protocol: str,
        json: bool,
        ratings_file: str | None,
        quick: bool,
        production_params: bool,
        seeds: int,
        threads: int,
        seed: int,
        core: bool = False,
        **options,
    ) -> None:
        if seeds < 1:
            raise CommandError("--seeds must be at least 1")
        echo = (lambda message: self.stderr.write(message)) if json else self.stdout.write
        if ratings_file:
            try:
                log = load_ratings_file(ratings_file)
            except (OSError, ValueError) as error:
                raise CommandError(f"Cannot read {ratings_file}: {error}") from error
        else:
            log = rating_log_from_db(explicit_only=True)
        if len(log) == 0:
            raise CommandError("No ratings to evaluate on (load the demo data or pass --ratings-file).")
        report: dict = {"ratings": len(log), "seeds": seeds, "protocols": {}}
        tuned_by_protocol: dict[str, evaluation.Tuned] = {}
        for name in PROTOCOLS if protocol == "all" else [protocol]:
            started = time.perf_counter()
            runs = []
            for offset in range(seeds):
                run_seed = seed + offset
                als_seed = 42 + offset
                if name == "strong":
                    split = evaluation.strong_split(log, seed=run_seed)
                    users, items = split.fold.shape[0], split.fold.shape[1]
                    _require_data(name, users, items)
                    echo(
                        f"{name} seed {run_seed}: {split.train.shape[0]} training members, {users} held out, {items} films"
                    )
                    # no validation split of its own: the RecBole tuning of this run, else the site's settings
                    tuned = tuned_by_protocol.get("recbole-ml1m") or production_tuned()
                    runs.append(
                        evaluation.run_strong(split, tuned, threads=threads, seed=als_seed, core=core, echo=echo)
                    )
                    continue
                split = (
                    evaluation.recbole_split(log, seed=run_seed)
                    if name == "recbole-ml1m"
                    else evaluation.temporal_split(log)
                )
                users, items = split.shape
                _require_data(name, users, items)
                echo(
                    f"{name} seed {run_seed}: {users} members, {items} films, train {split.train.nnz}, "
                    f"valid {split.valid.nnz}, test {split.test.nnz}"
                )
                if name not in tuned_by_protocol:  # tune once, on the first seed's validation split
                    if production_params:
                        tuned_by_protocol[name] = production_tuned()
                    else:
                        echo("tuning on the validation split…")
                        tuned_by_protocol[name] = evaluation.tune(split, threads=threads, quick=quick, echo=echo)
                tuned = tuned_by_protocol[name]
                tuned = dataclasses.replace(tuned, als=dataclasses.replace(tuned.als, seed=als_seed))
                echo("test split:")
                runs.append(evaluation.run_protocol(split, tuned, threads=threads, core=core, echo=echo))
            tuned = tuned_by_protocol.get(name) or tuned_by_protocol.get("recbole-ml1m") or production_tuned()
            rows = evaluation.summarise(runs)
            for row in rows:
                echo(
                    f"  {name} {row['model']}: ndcg@10 {row['ndcg@10']:.4f} ± {row['ndcg@10_std']:.4f}, "
                    f"coverage@10 {row['coverage@10']:.3f} ± {row['coverage@10_std']:.3f}"
                    + (
                        f", minus EASE {row['ndcg@10_minus_ease']:+.4f} ± {row['ndcg@10_minus_ease_std']:.4f}"
                        if "ndcg@10_minus_ease" in row
                        else ""
                    )
                )
            report["protocols"][name] = {
                "users": users,
                "items": items,
                "tuned": {
                    "ease_lambda": tuned.ease_regularization,
                    "als": tuned.als.as_dict(),
                    "confidence": vars(tuned.confidence),
                    "blend": tuned.blend.as_dict(),
                },
                "rows": rows,
                "seconds": round(time.perf_counter() - started, 1),
            }
        if json:
            self.stdout.write(_json_dumps(report))


def _require_data(protocol: str, users: int, items: int) -> None:
    if users == 0 or items == 0:
        raise CommandError(
            f"{protocol}: no members and films are left after keeping ratings of 3 stars and up and the "
            "10-core filter (every member and film needs at least 10 such ratings); evaluate on more data."
        )


def _json_dumps(report: dict) -> str:
    return json.dumps(report, indent=2, default=float)
