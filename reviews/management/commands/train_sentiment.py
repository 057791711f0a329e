from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reviews.sentiment import nbsvm
from reviews.sentiment.data import default_training_file
from reviews.sentiment.services import finetune_sentiment_queue
from reviews.sentiment.training import finetune_encoder, train_classifier


class Command(BaseCommand):
    help = (
        "Train the NB-SVM sentiment classifier on labelled reviews (JSONL: label pos/neg, text); with --finetune, "
        "fine-tune MiniLM and blend it with the trained NB-SVM (heavy: minutes on a GPU, about an hour on 2 CPUs)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--data", type=Path, default=None, help="JSONL(.gz); default: the mirror's IMDb file")
        parser.add_argument("--output", type=Path, default=None, help="artifact path; default under MODEL_DIR")
        parser.add_argument("--c", type=float, default=nbsvm.DEFAULT_C, help="inverse regularisation strength")
        parser.add_argument("--tune", action="store_true", help="choose C on the validation split first")
        parser.add_argument("--limit", type=int, default=None, help="use only the first N reviews")
        parser.add_argument(
            "--finetune", action="store_true", help="fine-tune MiniLM and blend it with the NB-SVM artifact"
        )
        parser.add_argument("--epochs", type=int, default=1, help="with --finetune: passes over the train split")
        parser.add_argument("--device", default=None, help="with --finetune: cpu or cuda (default: ML_DEVICE)")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="with --finetune: queue it as a job on the training queue instead, unless the blend for the current "
            "NB-SVM exists or a fine-tune is already queued or running",
        )

    def handle(
        self,
        *args,
        data: Path | None,
        output: Path | None,
        c: float,
        tune: bool,
        limit: int | None,
        finetune: bool = False,
        epochs: int = 1,
        device: str | None = None,
        queue: bool = False,
        **options,
    ) -> None:
        if finetune and not 1 <= epochs <= 10:
            raise CommandError("--epochs must be between 1 and 10")
        if finetune and queue:  # `make run`: never fails, whatever is missing
            job = finetune_sentiment_queue(epochs=epochs, data=data)
            self.stdout.write(
                f"queued fine-tuning job {job.pk} on the training queue (NB-SVM serves until it is done)"
                if job is not None
                else "no fine-tuning queued: no NB-SVM or no training data, the blend for this NB-SVM exists, or a "
                "fine-tune is queued or running"
            )
            return
        data = data or default_training_file()
        if not data.exists():
            raise CommandError(f"training data not found: {data} (set DATA_MIRROR or pass --data)")
        if finetune:
            if device not in (None, "cpu") and not device.startswith("cuda"):
                raise CommandError("--device must be cpu or cuda[:N]")
            try:
                done = finetune_encoder(
                    data=data,
                    output=output,
                    epochs=epochs,
                    device=device or settings.ML_DEVICE,
                    limit=limit,
                    log=self.stdout.write,
                )
            except ValueError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(
                self.style.SUCCESS(
                    f"fine-tuned on {done.trained_on} reviews in {done.seconds:.0f}s: {done.path}; blend weight "
                    f"{done.blend['weight']:g}; held-out accuracy {done.heldout_accuracy} on {done.heldout_n} reviews"
                )
            )
            return
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
