"""The demo pipeline behind `make run`: ML-1M with links, metadata and posters, then the other areas' steps.

Every step is skipped when its work is already done, so a second `make run` starts in seconds. The first
step that fails stops the pipeline: the command exits non-zero and says which step failed and why, rather
than serving a site with half its data.

It lives in reviews because the MovieLens import writes ratings; the higher apps' steps are run by command
name, so nothing here imports them."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.models import Film
from reviews.models import Rating

ML_1M_FILMS = 3_883
ML_1M_RATINGS = 1_000_209
# Films with a plot / a poster in the mirror's MeLU file and poster folder: 3,845 and 3,872.
ENOUGH_PLOTS = 3_800
ENOUGH_POSTERS = 3_800

# Steps owned by other apps, run in this order. Each is idempotent and quick when already done.
LATER_STEPS: list[tuple[str, list[str]]] = [
    ("ingest_imdb_reviews", []),
    ("analyze_reviews", []),
    ("embed_images", []),
    ("embed_texts", []),
    ("train_recommender", ["--sync"]),
    ("create_demo_member", []),
]


class Command(BaseCommand):
    help = "Load the demo catalogue (ML-1M, links, metadata, posters) from DATA_MIRROR, then the ML steps."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mirror", type=Path, default=None, help="Data mirror (default: DATA_MIRROR).")
        parser.add_argument("--catalogue-only", action="store_true", help="Skip the other areas' steps.")

    def handle(self, *args, mirror: Path | None, catalogue_only: bool, **options) -> None:
        mirror = Path(mirror or settings.DATA_MIRROR)
        if not mirror.is_dir():
            self.stdout.write(f"No data mirror at {mirror}: downloading ML-1M from GroupLens instead.")
        self._movielens(mirror)
        self._metadata(mirror)
        self._posters(mirror)
        if catalogue_only:
            return
        for name, arguments in LATER_STEPS:
            self.stdout.write(f"- {name} {' '.join(arguments)}".rstrip())
            self._step(name, *arguments)
        self.stdout.write(self.style.SUCCESS("Demo loaded."))

    def _step(self, name: str, *arguments: str) -> None:
        """Run one step's command; any failure stops the demo load with the step's name and the cause."""
        if name not in get_commands():
            raise CommandError(f"step {name} failed: no such command (is its app in INSTALLED_APPS?)")
        try:
            call_command(name, *arguments, stdout=self.stdout, stderr=self.stderr)
        except Exception as error:
            raise CommandError(f"step {name} failed: {error}") from error

    def _movielens(self, mirror: Path) -> None:
        films = Film.objects.filter(movielens_id__isnull=False).count()
        ratings = Rating.objects.filter(user__imported_from="movielens").count()
        source = mirror / "ml-1m"
        links = mirror / "links" / "links.csv"
        arguments = [str(source) if source.is_dir() else "ml-1m", *(["--links", str(links)] if links.is_file() else [])]
        if films >= ML_1M_FILMS and ratings >= ML_1M_RATINGS:
            self.stdout.write(f"- MovieLens 1M: already loaded ({films:,} films, {ratings:,} ratings)")
            if source.is_dir():
                # Films alone take seconds and write only what changed: titles stay as the importer reads them.
                self.stdout.write("- MovieLens 1M films: refreshing titles and links")
                self._step("ingest_movielens", *arguments, "--no-ratings")
            return
        self.stdout.write(f"- MovieLens 1M from {source if source.is_dir() else 'GroupLens'}")
        self._step("ingest_movielens", *arguments)

    def _metadata(self, mirror: Path) -> None:
        path = mirror / "ml-1m-extra" / "movies_extrainfos.dat"
        plots = Film.objects.exclude(plot="").count()
        if plots >= ENOUGH_PLOTS:
            self.stdout.write(f"- Film metadata: already loaded ({plots:,} films with a plot)")
        elif not path.is_file():
            self.stdout.write(f"- Film metadata: no {path}, skipped")
        else:
            self.stdout.write(f"- Film metadata from {path}")
            self._step("ingest_film_metadata", str(path))

    def _posters(self, mirror: Path) -> None:
        directory = mirror / "ml-1m-posters"
        posters = Film.objects.filter(poster__isnull=False).count()
        if posters >= ENOUGH_POSTERS:
            self.stdout.write(f"- Posters: already loaded ({posters:,} films with a poster)")
        elif not directory.is_dir():
            self.stdout.write(f"- Posters: no {directory}, skipped")
        else:
            self.stdout.write(f"- Posters from {directory}")
            self._step("ingest_images", str(directory), "--key=movielens", "--kind=poster")
