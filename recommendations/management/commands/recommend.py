"""Print the active model's recommendations for a profile given as a CSV file (fold-in; nothing is saved)."""

from __future__ import annotations

import csv
import json

from django.core.management.base import BaseCommand, CommandError

from recommendations.selectors import profile_recommendations


class Command(BaseCommand):
    help = "Recommend for a ratings CSV with movielens_id,stars rows (header optional)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--ratings-csv", required=True)
        parser.add_argument("-k", type=int, default=20)
        parser.add_argument("--json", action="store_true", help="One JSON array (default: one line per film).")
        parser.add_argument("--mode", choices=["accurate", "diverse", "gems", "surprise"], default="accurate")

    def handle(self, *args, ratings_csv: str, k: int, json: bool, mode: str, **options) -> None:
        profile: dict[int, float] = {}
        try:
            with open(ratings_csv, newline="") as handle:
                for row in csv.reader(handle):
                    if len(row) < 2 or not row[0].strip().isdigit():
                        continue  # header or blank line
                    profile[int(row[0])] = float(row[1])
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {ratings_csv}: {error}") from error
        items = profile_recommendations(movielens_stars=profile, k=k, mode=mode)
        if json:
            self.stdout.write(_dumps(items))
        else:
            for item in items:
                self.stdout.write(
                    f"{item['movielens_id']}\t{item['score']:.3f}\t{item['title']}\t{'; '.join(item['reasons'])}"
                )


def _dumps(items: list[dict]) -> str:
    return json.dumps(items, indent=2, ensure_ascii=False)
