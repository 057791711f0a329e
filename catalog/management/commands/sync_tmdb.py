from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.ingest.errors import IngestError
from catalog.tmdb.client import TMDbError
from catalog.tmdb.grow import tmdb_changes_sync, tmdb_ids_file_import
from catalog.tmdb.sync import SyncReport, tmdb_enrich
from cineaesthete.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Sync the catalogue with TMDb (needs TMDB_API_KEY or TMDB_READ_TOKEN). --enrich: details, crew, keywords, "
        "release dates, alternative titles, trailers and backdrops for every film with a TMDb id not yet synced "
        "(a rerun resumes). --ids-file FILE_OR_URL: add films from TMDb's daily id export above the popularity "
        "floor, then enrich them. --changes DAYS: re-sync films TMDb changed in the last DAYS days."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enrich", action="store_true", help="Fetch details for films not yet synced.")
        parser.add_argument("--refresh", action="store_true", help="With --enrich: every film, synced or not.")
        parser.add_argument("--film", type=int, action="append", dest="film_ids", help="Only this film (our id).")
        parser.add_argument("--limit", type=int, help="At most N films.")
        parser.add_argument("--workers", type=int, default=8, help="Parallel requests (the rate limit still holds).")
        parser.add_argument("--ids-file", help="TMDb's daily export (movie_ids_MM_DD_YYYY.json.gz), a path or URL.")
        parser.add_argument("--changes", type=int, metavar="DAYS", help="Films TMDb changed in the last DAYS days.")

    def handle(self, *args, enrich: bool, refresh: bool, film_ids, limit, workers: int, ids_file, changes, **options):
        if not (enrich or ids_file or changes):
            raise CommandError("say what to sync: --enrich, --ids-file FILE_OR_URL or --changes DAYS")
        if workers < 1 or (limit is not None and limit < 0) or (changes is not None and not 1 <= changes <= 14):
            raise CommandError("--workers must be at least 1, --limit not negative, --changes 1 to 14 days")
        progress = ProgressBar(self.stdout, step_percent=10)
        try:
            if ids_file:
                added = tmdb_ids_file_import(source=ids_file, limit=limit)
                for problem in added.problems:
                    self.stderr.write(problem)
                self.stdout.write(
                    f"ID export: {added.lines:,} lines, {added.added:,} films added, {added.known:,} already here, "
                    f"{added.below_floor:,} below the popularity floor, {added.adult:,} adult"
                )
                film_ids = [*(film_ids or []), *added.film_ids] if added.film_ids else film_ids
                enrich = enrich or bool(added.film_ids)
            if changes:
                changed = tmdb_changes_sync(days=changes, workers=workers, progress=progress)
                self._report("Changes", changed)
            if enrich:
                report = tmdb_enrich(
                    film_ids=film_ids, refresh=refresh, limit=limit, workers=workers, progress=progress
                )
                self._report("Enrich", report)
        except (TMDbError, IngestError) as error:  # not configured, a bad key, an unreadable id file
            raise CommandError(str(error)) from error

    def _report(self, what: str, report: SyncReport) -> None:
        for problem in report.problems:
            self.stderr.write(problem)
        self.stdout.write(
            self.style.SUCCESS(
                f"{what}: {report.films:,} films, {report.stored:,} stored, {report.not_found:,} gone from TMDb, "
                f"{report.failed:,} failed, {report.images_stored:,} images, in {report.seconds:.1f} s"
            )
        )
