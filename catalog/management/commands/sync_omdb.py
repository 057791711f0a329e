from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.omdb import OMDbError, omdb_scores_sync
from cineaesthete.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Store IMDb, Rotten Tomatoes and Metacritic scores from OMDb (needs OMDB_API_KEY) for films with an IMDb "
        "id that were never asked (--refresh: all). Safe to re-run; a rerun resumes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--refresh", action="store_true", help="Ask again for films already asked.")
        parser.add_argument("--limit", type=int, help="At most N films (OMDb's free key allows 1,000 a day).")

    def handle(self, *args, refresh: bool, limit: int | None, **options) -> None:
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1")
        try:
            report = omdb_scores_sync(refresh=refresh, limit=limit, progress=ProgressBar(self.stdout, step_percent=10))
        except OMDbError as error:
            raise CommandError(str(error)) from error
        for problem in report.problems:
            self.stderr.write(problem)
        self.stdout.write(
            self.style.SUCCESS(
                f"OMDb: {report.films:,} films, {report.stored:,} stored with {report.scores:,} scores, {report.failed:,} failed"
            )
        )
