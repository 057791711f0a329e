"""Import the labelled IMDb reviews of the mirror as reviews by imported audience members (demo data)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.imdb import import_imdb_reviews


class Command(BaseCommand):
    help = "Import IMDb audience reviews (imdb-reviews/train.jsonl.gz) for the films in the catalogue. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="JSONL(.gz) of reviews; default: the data mirror's.")
        parser.add_argument("--links", type=Path, help="MovieLens links.csv; default: the data mirror's.")

    def handle(self, *args, file: Path | None, links: Path | None, **options) -> None:
        file = Path(file or settings.DATA_MIRROR / "imdb-reviews" / "train.jsonl.gz")
        links = Path(links or settings.DATA_MIRROR / "links" / "links.csv")
        for path in (file, links):
            if not path.is_file():
                raise CommandError(f"{path} does not exist (set DATA_MIRROR or pass the path).")
        result = import_imdb_reviews(path=file, links_path=links, log=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"IMDb reviews: {result['created']} imported, {result['existing']} already there, "
                f"{result['films']} films; {result['unmatched']} reviews are of films not in the catalogue."
            )
        )
