from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.ingest.errors import IngestError
from catalog.models import FilmImage
from catalog.services.images import IMAGE_KEYS, film_images_ingest
from cineaesthete.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Store a directory of images named by a film id ({id}.jpg, or {id}_2.jpg for more than one) under "
        "MEDIA_ROOT: each is decoded and size-checked, deduplicated by SHA-256, and becomes the film's poster "
        "when it has none. Bad files are reported and skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--key", choices=sorted(IMAGE_KEYS), default="movielens", help="Which id names the files.")
        parser.add_argument("--kind", choices=FilmImage.Kind.values, default=FilmImage.Kind.POSTER)
        parser.add_argument("--limit", type=int, help="Only the first N files.")

    def handle(self, *args, directory: Path, key: str, kind: str, limit: int | None, **options) -> None:
        try:
            summary = film_images_ingest(
                directory=directory, key=key, kind=kind, limit=limit, progress=ProgressBar(self.stdout, step_percent=10)
            )
        except IngestError as error:
            raise CommandError(str(error)) from error
        for path, reason in summary.rejected:
            self.stderr.write(f"skipped {path}: {reason}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Images from {directory}: {summary.files:,} files, {summary.stored:,} stored, "
                f"{summary.duplicates:,} already there, {summary.no_film:,} with no matching film, "
                f"{len(summary.rejected):,} rejected; {summary.posters_set:,} films got a poster, "
                f"in {summary.seconds:.1f} s"
            )
        )
