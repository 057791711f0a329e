from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from ...evaluation import evaluate_fused, evaluate_palette, evaluate_text
from ...models import FilmTextEmbedding


class Command(BaseCommand):
    help = "Precision@10 of each signal and of the fusion on labelled queries with known answers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--queries", type=int, default=100, help="Text and fused queries (default 100).")
        parser.add_argument("--per-class", type=int, default=20, help="Synthetic images per colour class.")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", action="store_true")

    def handle(self, *, queries: int, per_class: int, seed: int, json: bool, **options) -> None:
        palette = evaluate_palette(per_class=per_class, seed=seed)
        report: dict = {
            "palette_precision@10": palette,
            "palette_mean_precision@10": sum(palette.values()) / len(palette),
        }
        if FilmTextEmbedding.objects.exists():
            report["text"] = evaluate_text(count=queries, seed=seed)
            report["fused"] = evaluate_fused(count=queries, seed=seed)
        elif queries:
            self.stderr.write("No text embeddings: run `manage.py embed_texts` for the text and fused numbers.")
        if json:
            self.stdout.write(_dumps(report))
            return
        self.stdout.write(f"Pixel signal, {per_class * len(palette)} synthetic images, precision@10 per query:")
        for query, value in palette.items():
            self.stdout.write(f"  {query:18s} {value:.2f}")
        self.stdout.write(f"  {'mean':18s} {report['palette_mean_precision@10']:.2f}")
        if "text" in report:
            text = report["text"]
            self.stdout.write(
                f"Text signal, {text['queries']} plot paraphrases: hit@10 {text['hit@10']:.2f} "
                f"(precision@10 {text['precision@10']:.3f}, one relevant film each), MRR {text['mrr']:.2f}"
            )
            self.stdout.write("Colour word + paraphrase over films with synthetic images of known colour:")
            for name, values in report["fused"].items():
                self.stdout.write(f"  {name:8s} hit@10 {values['hit@10']:.2f}  MRR {values['mrr']:.2f}")
        if report["palette_mean_precision@10"] <= 0:
            raise CommandError("the pixel signal found nothing: something is broken")


def _dumps(value) -> str:
    return json.dumps(value, indent=2)
