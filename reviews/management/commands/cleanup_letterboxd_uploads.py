"""Delete Letterboxd uploads that no unfinished import needs, and end abandoned imports."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from reviews.imports import letterboxd_imports_cleanup


class Command(BaseCommand):
    help = "End abandoned Letterboxd imports and delete uploads no unfinished import needs (also run hourly)."

    def handle(self, *args, **options) -> None:
        result = letterboxd_imports_cleanup()
        # Older versions kept uploads under MEDIA_ROOT, where anyone could download them.
        legacy = Path(settings.MEDIA_ROOT) / "imports" / "letterboxd"
        if legacy.is_dir():
            shutil.rmtree(legacy)
            self.stdout.write(f"Deleted the old public upload folder {legacy}.")
        self.stdout.write(f"{result['abandoned']} abandoned imports ended, {result['deleted']} uploads deleted.")
