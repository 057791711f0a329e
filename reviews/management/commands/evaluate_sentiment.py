from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reviews.sentiment.analysers import NbSvmAnalyser, available_analysers, default_analyser
from reviews.sentiment.data import LabelledReviews, catalogue_imdb_ids, default_training_file, read_labelled
from reviews.sentiment.evaluation import aspect_polarity_accuracy, evaluate_all, holdout_nbsvm, read_aspect_mentions
from reviews.sentiment.services import clause_scorer
from reviews.sentiment.training import file_digest, review_splits

# Three labelled sets of aspect mentions, written in this order: the rules were tuned on the first, the film
# lexicon and idioms were added looking at the second's misses, and the third was written before that change and
# only measured.
ASPECT_SETS = ("aspect_mentions.jsonl", "aspect_mentions_validation.jsonl", "aspect_mentions_test.jsonl")


def default_aspect_sets() -> list[Path]:
    return [Path(settings.BASE_DIR) / "bench" / "data" / name for name in ASPECT_SETS]


class Command(BaseCommand):
    help = "Accuracy and macro-F1 of every available sentiment analyser on labelled reviews, side by side."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--data", type=Path, default=None, help="JSONL(.gz) with label pos/neg and text")
        parser.add_argument("--json", dest="as_json", action="store_true", help="print one JSON document")
        parser.add_argument(
            "--holdout",
            type=float,
            default=None,
            metavar="FRACTION",
            help="train a fresh NB-SVM on the rest of the file and evaluate everything on this held-out share",
        )
        parser.add_argument("--limit", type=int, default=None, help="use only the first N reviews")
        parser.add_argument(
            "--aspects",
            type=Path,
            nargs="*",
            default=None,
            help="labelled aspect mentions (JSONL files) to score aspect polarity on; default: bench/data's three sets",
        )

    def handle(
        self,
        *args,
        data: Path | None,
        as_json: bool,
        holdout: float | None,
        limit: int | None,
        aspects: list[Path] | None,
        **options,
    ) -> None:
        data = data or default_training_file()
        if not data.exists():
            raise CommandError(f"evaluation data not found: {data}")
        missing = [str(path) for path in aspects or [] if not path.exists()]
        if missing:
            raise CommandError(f"aspect mentions not found: {', '.join(missing)}")
        if holdout is not None and not 0 < holdout < 1:
            raise CommandError("--holdout must be a fraction between 0 and 1")
        reviews = read_labelled(data, limit=limit)
        if not reviews.texts:
            raise CommandError(f"{data} holds no reviews labelled pos or neg")
        analysers = available_analysers()
        notes: list[str] = []
        sets: dict[str, LabelledReviews] = {}
        trained = analysers.get("nbsvm")
        trained_here = isinstance(trained, NbSvmAnalyser) and trained.model.meta.get("data_sha256") == file_digest(data)
        if holdout is not None:
            held_out_model, texts, labels = holdout_nbsvm(reviews.texts, reviews.labels, test_fraction=holdout)
            held_out_model.name = "nbsvm-holdout"
            analysers["nbsvm-holdout"] = held_out_model
            notes.append(
                f"nbsvm-holdout was trained on {len(reviews.texts) - len(texts)} reviews of this file; "
                f"all analysers are scored on the other {len(texts)}"
            )
            sets["holdout"] = LabelledReviews(texts=texts, labels=labels)
            if trained_here:
                del analysers["nbsvm"]
                notes.append("nbsvm (the saved artifact) was trained on part of this file, so it is left out")
        elif trained_here:
            # The artifact kept the test films and the catalogue's films out of training: score both.
            splits = review_splits(reviews, catalogue=catalogue_imdb_ids())
            excluded = set(trained.model.meta.get("excluded_films", []))
            sets["heldout"] = reviews.subset([split == "test" for split in splits])
            in_catalogue = [split == "catalogue" for split in splits]
            sets["catalogue"] = reviews.subset(
                [inside and film in excluded for inside, film in zip(in_catalogue, reviews.films, strict=True)]
            )
            seen = sum(in_catalogue) - len(sets["catalogue"].texts)
            notes.append(
                "heldout: reviews of films the classifier was neither trained nor tuned on; catalogue: the reviews "
                "the site shows, all out of sample"
            )
            if seen:
                notes.append(
                    f"{seen} catalogue reviews are of films added after training (in-sample): left out; "
                    "retrain with `manage.py train_sentiment`"
                )
        else:
            sets["all"] = reviews
        report = {
            name: {"n": len(subset.labels), "results": evaluate_all(analysers, subset.texts, subset.labels)}
            for name, subset in sets.items()
            if subset.labels
        }
        first = next(iter(report.values()), {"n": 0, "results": []})
        aspect_reports = {
            path.name: aspect_polarity_accuracy(
                read_aspect_mentions(path), analyser=default_analyser(), scorer=clause_scorer()
            )
            for path in (default_aspect_sets() if aspects is None else aspects)
            if path.exists()
        }
        if as_json:
            document = {"data": str(data), "n": first["n"], "results": first["results"], "sets": report}
            aspect_report = next(iter(aspect_reports.values()), None)  # the first set, as before
            document |= {"aspects": aspect_report, "aspect_sets": aspect_reports}
            self.stdout.write(json.dumps({**document, "notes": notes}, indent=2))
            return
        for name, section in report.items():
            self.stdout.write(f"{data} [{name}]: {section['n']} reviews")
            self.stdout.write(
                f"{'analyser':<16}{'accuracy':>10}{'macro F1':>10}{'mixed':>8}{'skipped':>9}{'ms/review':>11}"
            )
            for row in section["results"]:
                self.stdout.write(
                    f"{row['analyser']:<16}{row['accuracy']:>10.4f}{row['macro_f1']:>10.4f}"
                    f"{row['labelled_mixed']:>8}{row['not_analysable']:>9}{row['ms_per_review']:>11.3f}"
                )
        for name, aspect_report in aspect_reports.items():
            self.stdout.write(
                f"aspect polarity on {aspect_report['mentions']} labelled mentions ({name}): "
                f"{aspect_report['per_mention_accuracy']:.4f} per mention (clause, negation) vs "
                f"{aspect_report['sentence_level_accuracy']:.4f} from the whole sentence ({aspect_report['analyser']}); "
                f"sense checks {aspect_report['sense_checks_passed']}/{aspect_report['sense_checks']}"
            )
        for note in notes:
            self.stdout.write(f"note: {note}")
