"""Offline evaluation, side by side: popularity, item-kNN, EASE, ALS and the production model's modes."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError

from recommendations.engine import evaluation
from recommendations.engine.data import load_ratings_file
from recommendations.training_data import rating_log_from_db

PROTOCOLS = {"recbole-ml1m": evaluation.recbole_split, "temporal": evaluation.temporal_split}


class Command(BaseCommand):
    help = "Evaluate the recommender under the RecBole ML-1M and/or temporal protocols (tuning on validation)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--protocol", choices=[*PROTOCOLS, "all"], default="recbole-ml1m")
        parser.add_argument("--json", action="store_true", help="Print the result table as JSON on stdout.")
        parser.add_argument("--ratings-file", help="Read MovieLens ratings.dat/.csv instead of the database.")
        parser.add_argument("--quick", action="store_true", help="A tiny tuning grid (smoke runs).")
        parser.add_argument("--threads", type=int, default=0)
        parser.add_argument("--seed", type=int, default=2020)

    def handle(
        self,
        *args,
        protocol: str,
        json: bool,
        ratings_file: str | None,
        quick: bool,
        threads: int,
        seed: int,
        **options,
    ) -> None:
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
        report: dict = {"ratings": len(log), "protocols": {}}
        for name in PROTOCOLS if protocol == "all" else [protocol]:
            started = time.perf_counter()
            split = PROTOCOLS[name](log, seed=seed) if name == "recbole-ml1m" else PROTOCOLS[name](log)
            users, items = split.shape
            echo(
                f"{name}: {users} members, {items} films, train {split.train.nnz}, valid {split.valid.nnz}, test {split.test.nnz}"
            )
            echo("tuning on the validation split…")
            tuned = evaluation.tune(split, threads=threads, quick=quick, echo=echo)
            echo("final table on the test split:")
            rows = evaluation.run_protocol(split, tuned, threads=threads, echo=echo)
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


def _json_dumps(report: dict) -> str:
    return json.dumps(report, indent=2, default=float)
