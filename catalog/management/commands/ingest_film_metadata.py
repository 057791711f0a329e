from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.ingest.errors import IngestError
from catalog.services.metadata import film_metadata_ingest
from cineaesthete.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Import plots, certificates, release dates, directors, writers and cast from a MeLU-format file "
        "(id::title::year::MPAA::released::genres::director::writers::actors::plot::poster_url), matched on "
        "MovieLens ids. Atomic and idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="e.g. $DATA_MIRROR/ml-1m-extra/movies_extrainfos.dat")

    def handle(self, *args, path: Path, **options) -> None:
        try:
            summary = film_metadata_ingest(path=path, progress=ProgressBar(self.stdout))
        except IngestError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Metadata from {path}: {summary.lines:,} lines, {summary.films:,} films matched "
                f"({summary.films_updated:,} updated, {summary.not_in_catalogue:,} not in the catalogue), "
                f"{summary.people_created:,} new people, {summary.credits:,} credits in {summary.seconds:.1f} s"
            )
        )
