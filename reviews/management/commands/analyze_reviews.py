from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from reviews.sentiment.analysers import default_analyser
from reviews.sentiment.services import ratings_integrity_check_all, reviews_backfill, stale_reviews
from reviews.sentiment.training import ensure_classifier

# MiniLM runs at a few hundred sentences a second on a CPU: fine for an evening's reviews, not for a backfill.
EMBEDDINGS_AUTO_LIMIT = 1000


class Command(BaseCommand):
    help = (
        "Analyse the sentiment, aspects and emotions of reviews not yet analysed (or edited since) and refresh "
        "film summaries. Trains the classifier first if its artifact is missing. Safe to re-run."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="re-analyse every review")
        parser.add_argument("--film", type=int, default=None, help="only this film's reviews")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--limit", type=int, default=None)
        parser.add_argument(
            "--embeddings",
            choices=["auto", "on", "off"],
            default="auto",
            help="MiniLM aspect matching and quote de-duplication; auto = on for a GPU or up to "
            f"{EMBEDDINGS_AUTO_LIMIT} reviews, off (lexicon and shingles only) for bigger CPU backfills",
        )
        parser.add_argument(
            "--integrity", action="store_true", help="also check every rated film for rating bursts (robust averages)"
        )
        parser.add_argument("--no-train", action="store_true", help="never train the classifier; VADER if missing")

    def handle(
        self,
        *args,
        force: bool,
        film: int | None,
        batch_size: int,
        limit: int | None,
        embeddings: str,
        integrity: bool,
        no_train: bool,
        **options,
    ) -> None:
        if not no_train:
            ensure_classifier(log=self.stdout.write)
        analyser = default_analyser()
        if embeddings == "auto":
            stale = stale_reviews(force=force, film_id=film, analyser=analyser).count()
            use_embedder = settings.ML_DEVICE != "cpu" or min(stale, limit or stale) <= EMBEDDINGS_AUTO_LIMIT
        else:
            use_embedder = embeddings == "on"
        self.stdout.write(
            f"analyser: {analyser.name} {analyser.version}; aspects: lexicon{' + MiniLM' if use_embedder else ' only'}"
        )
        started = time.perf_counter()

        def progress(stage: str, done: int, total: int) -> None:
            elapsed = time.perf_counter() - started
            self.stdout.write(f"  {done}/{total} {stage} ({elapsed:.0f}s)")

        result = reviews_backfill(
            force=force,
            film_id=film,
            batch_size=batch_size,
            use_embedder=use_embedder,
            limit=limit,
            progress=progress,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"analysed {result['reviews']} reviews, refreshed {result['films']} film summaries "
                f"in {time.perf_counter() - started:.1f}s"
            )
        )
        if integrity:
            checked = ratings_integrity_check_all(progress=progress)
            self.stdout.write(
                f"checked {checked['films']} films: {checked['open_bursts']} open rating bursts for staff"
            )
