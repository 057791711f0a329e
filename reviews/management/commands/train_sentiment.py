from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviews.sentiment import nbsvm
from reviews.sentiment.data import default_training_file
from reviews.sentiment.training import train_classifier


class Command(BaseCommand):
    help = "Train the NB-SVM sentiment classifier on labelled reviews (JSONL: label pos/neg, text)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--data", type=Path, default=None, help="JSONL(.gz); default: the mirror's IMDb file")
        parser.add_argument("--output", type=Path, default=None, help="artifact path; default under MODEL_DIR")
        parser.add_argument("--c", type=float, default=nbsvm.DEFAULT_C, help="inverse regularisation strength")
        parser.add_argument("--tune", action="store_true", help="choose C on the validation split first")
        parser.add_argument("--limit", type=int, default=None, help="use only the first N reviews")

    def handle(
        self,
        *args,
        data: Path | None,
        output: Path | None,
        c: float,
        tune: bool,
        limit: int | None,
        **options,
    ) -> None:
        data = data or default_training_file()
        if not data.exists():
            raise CommandError(f"training data not found: {data} (set DATA_MIRROR or pass --data)")
        try:
            result = train_classifier(data=data, output=output, c=c, tune=tune, limit=limit, log=self.stdout.write)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"trained on {result.trained_on} reviews in {result.seconds:.1f}s: {result.path} "
                f"({result.size_bytes / 1e6:.2f} MB, C={result.c:g}); held-out accuracy {result.heldout_accuracy} "
                f"on {result.heldout_n} reviews of unseen films; {result.catalogue_excluded} reviews of catalogue "
                "films left out"
            )
        )
