from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.ingest.errors import IngestError
from catalog.ingest.source import resolve_location
from cineaesthete.progress import ProgressBar
from reviews.movielens import movielens_ingest


class Command(BaseCommand):
    help = (
        "Import a MovieLens release (ML-100K, ML-1M, ML-10M, ml-latest[-small], ML-20M/25M/32M) from a directory, "
        "a .zip, a GroupLens URL or a short name like ml-1m: films, genres, links, tags, and ratings as "
        "imported members. Atomic and idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="Directory, .zip, URL, or a GroupLens name (ml-1m, ml-latest-small, …).")
        parser.add_argument("--links", type=Path, help="A links.csv (movieId,imdbId,tmdbId) to apply as well.")
        parser.add_argument("--no-ratings", action="store_true", help="Import films only.")

    def handle(self, *args, source: str, links: Path | None, no_ratings: bool, **options) -> None:
        progress = ProgressBar(self.stdout)
        try:
            location = resolve_location(source, download_dir=settings.VAR_DIR / "downloads", progress=progress)
            summary = movielens_ingest(
                location=location, links_path=links, with_ratings=not no_ratings, progress=progress
            )
        except IngestError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"MovieLens ({summary.layout}) from {location}: {summary.films:,} films "
                f"({summary.films_created:,} new, {summary.films_updated:,} updated), "
                f"{summary.alternative_titles:,} alternative titles, {summary.genres} genres, "
                f"{summary.links:,} with links, {summary.tags:,} film tags, {summary.members:,} members "
                f"({summary.members_created:,} new), {summary.ratings_read:,} ratings "
                f"({summary.ratings_written:,} written) in {summary.seconds:.1f} s"
            )
        )
