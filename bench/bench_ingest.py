"""Time the catalogue ingestion of the demo data (ML-1M, metadata, posters) into a throwaway database.

    python bench/bench_ingest.py [--mirror PATH] [--keep]

Creates the database `bench_ingest` on the same server, migrates it, imports DATA_MIRROR/ml-1m (target:
under 60 s), re-imports it (idempotent path), then metadata and posters (into a temporary MEDIA_ROOT), prints
the numbers, and drops the database."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cineaesthete.settings")


class StageTimer:
    """A progress callback that records when each stage ends."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.last = self.started
        self.stages: dict[str, float] = {}
        self._current = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage != self._current:
            self._current = stage
            self._stage_started = self.last
        if total and done >= total:
            self.stages[stage] = now - self._stage_started
            self.last = now


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mirror", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="Keep the bench_ingest database afterwards.")
    arguments = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    mirror = arguments.mirror or Path(settings.DATA_MIRROR)
    ml_1m = mirror / "ml-1m"
    if not (ml_1m / "ratings.dat").is_file():
        print(f"No ML-1M at {ml_1m}: set DATA_MIRROR (see shared/datasets/README.md).")
        return 0
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_ingest"
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-ingest-media-")
    old_name = connection.settings_dict["NAME"]
    print("Creating and migrating the database bench_ingest …", flush=True)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(mirror)
    finally:
        if not arguments.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            import shutil

            shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    return 0


def run(mirror: Path) -> None:
    from catalog.services.images import film_images_ingest
    from catalog.services.metadata import film_metadata_ingest
    from reviews.movielens import movielens_ingest

    links = mirror / "links" / "links.csv"
    timer = StageTimer()
    first = movielens_ingest(location=mirror / "ml-1m", links_path=links if links.is_file() else None, progress=timer)
    print(
        f"ML-1M first import: {first.seconds:.1f} s  ({first.ratings_read:,} ratings, "
        f"{first.ratings_read / first.seconds:,.0f} ratings/s; {first.films:,} films, {first.members:,} members)"
    )
    print("  stages: " + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in timer.stages.items()))
    print(f"  target < 60 s: {'met' if first.seconds < 60 else 'MISSED'}")

    again = movielens_ingest(location=mirror / "ml-1m", links_path=links if links.is_file() else None)
    print(f"ML-1M re-import (nothing changes): {again.seconds:.1f} s, {again.ratings_written} ratings written")

    extra = mirror / "ml-1m-extra" / "movies_extrainfos.dat"
    if extra.is_file():
        metadata = film_metadata_ingest(path=extra)
        print(
            f"Metadata: {metadata.seconds:.1f} s ({metadata.films:,} films, {metadata.people_created:,} people, "
            f"{metadata.credits:,} credits)"
        )
    posters = mirror / "ml-1m-posters"
    if posters.is_dir():
        images = film_images_ingest(directory=posters, key="movielens", kind="poster")
        print(
            f"Posters: {images.seconds:.1f} s ({images.stored:,} stored, {images.stored / images.seconds:,.0f} "
            f"images/s, {len(images.rejected)} rejected)"
        )


if __name__ == "__main__":
    sys.exit(main())
