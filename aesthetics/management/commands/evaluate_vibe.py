from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from ...evaluation import HALVES, evaluate_judgements, evaluate_palette, evaluate_propagation


class Command(BaseCommand):
    help = (
        "Vibe search on the labelled queries (aesthetics/judgements.py): precision@10, recall@50 and MRR per "
        "query kind; and the pixel signal's precision@10 on synthetic images of known colour."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--per-class", type=int, default=20, help="Synthetic images per colour class.")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--queries", action="store_true", help="Also print every labelled query's numbers.")
        parser.add_argument("--json", action="store_true")
        parser.add_argument(
            "--half",
            choices=HALVES,
            default=None,
            help="Only every other labelled query of each kind: tune on validation, report test as well.",
        )
        parser.add_argument("--no-propagation", action="store_true", help="Skip the held-out review test.")

    def handle(
        self, *, per_class: int, seed: int, queries: bool, json: bool, half: str | None, no_propagation: bool, **options
    ) -> None:
        palette = evaluate_palette(per_class=per_class, seed=seed)
        labelled = evaluate_judgements(half=half)
        report: dict = {
            "palette_precision@10": palette,
            "palette_mean_precision@10": sum(palette.values()) / len(palette),
            "labelled": labelled,
            "propagation_spearman": {} if no_propagation else evaluate_propagation(),
        }
        if json:
            self.stdout.write(_dumps(report))
        else:
            self.stdout.write(f"Pixel signal, {per_class * len(palette)} synthetic images, precision@10 per query:")
            for query, value in palette.items():
                self.stdout.write(f"  {query:18s} {value:.2f}")
            self.stdout.write(f"  {'mean':18s} {report['palette_mean_precision@10']:.2f}")
            self.stdout.write(f"Labelled queries ({half or 'all'}), whole search (mean per query kind):")
            self.stdout.write(f"  {'kind':8s} {'queries':>7s} {'P@10':>6s} {'R@50':>6s} {'MRR':>6s}")
            for kind, row in labelled["per_kind"].items():
                self.stdout.write(
                    f"  {kind:8s} {row['queries']:7d} {row['precision@10']:6.3f} {row['recall@50']:6.3f} {row['mrr']:6.3f}"
                )
            overall = labelled["overall"]
            self.stdout.write(
                f"  {'all':8s} {len(labelled['per_query']):7d} {overall['precision@10']:6.3f} "
                f"{overall['recall@50']:6.3f} {overall['mrr']:6.3f}"
            )
            spread = report["propagation_spearman"]
            if spread:
                self.stdout.write(
                    f"Descriptors of {spread['held_out_films']} films with their reviews hidden, predicted "
                    f"(mean Spearman over {spread['descriptors']} descriptors): plot {spread['plot']:.3f}, "
                    f"people graph {spread['people']:.3f}, both {spread['plot+people']:.3f}"
                )
            if queries:
                for query, row in labelled["per_query"].items():
                    self.stdout.write(
                        f"  {row['kind']:8s} {query:28s} P@10 {row['precision@10']:.2f} "
                        f"R@50 {row['recall@50']:.2f} MRR {row['mrr']:.2f}"
                    )
        if report["palette_mean_precision@10"] <= 0:
            raise CommandError("the pixel signal found nothing: something is broken")


def _dumps(value) -> str:
    return json.dumps(value, indent=2)
