from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Film

from ...services import VideoError, video_ingest


class Command(BaseCommand):
    help = "Store a video's scene-change frames as a film's images (kind 'frame', with timestamps)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="A video file (anything FFmpeg reads).")
        parser.add_argument("--film", type=int, required=True, help="Film id.")
        parser.add_argument("--every", type=float, default=0.5, help="Seconds between sampled frames.")
        parser.add_argument("--threshold", type=float, default=0.5, help="Histogram change (0-2) that is a cut.")
        parser.add_argument("--max-frames", type=int, default=24)

    def handle(self, *, file: str, film: int, every: float, threshold: float, max_frames: int, **options) -> None:
        if not Path(file).is_file():
            raise CommandError(f"No such file: {file}")
        try:
            target = Film.objects.get(pk=film)
        except Film.DoesNotExist:
            raise CommandError(f"No film with id {film}") from None
        try:
            images = video_ingest(
                film=target, path=file, sample_every=every, threshold=threshold, max_frames=max_frames
            )
        except VideoError as error:
            raise CommandError(f"{error} (nothing was stored)") from error
        stamps = ", ".join(f"{image.timestamp_seconds:.1f}s" for image in images) or "none new"
        self.stdout.write(self.style.SUCCESS(f"Stored {len(images)} frame(s) for {target}: {stamps}"))
