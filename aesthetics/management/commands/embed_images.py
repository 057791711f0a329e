from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cineaesthete.core.jobs import job_enqueue, job_run_inline

from ...models import ImageAesthetics
from ...tasks import embed_images


class Command(BaseCommand):
    help = "Analyse palettes (and CLIP-embed, when CLIP_MODEL is set) every image not yet done. Safe to re-run."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--palettes-only", action="store_true", help="Skip CLIP even when configured.")
        parser.add_argument("--batch", type=int, default=200, help="Images per batch (default 200).")
        parser.add_argument("--queue", action="store_true", help="Enqueue on the ml queue instead of running here.")

    def handle(self, *, palettes_only: bool, batch: int, queue: bool, **options) -> None:
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        if queue:
            job = job_enqueue(embed_images, palettes_only=palettes_only, batch=batch)
            self.stdout.write(f"Queued job {job.pk}; follow it at /staff/jobs/.")
            return
        job = job_run_inline(embed_images, palettes_only=palettes_only, batch=batch)
        if job.state != job.State.SUCCEEDED:
            raise CommandError(f"embed_images failed:\n{job.error}")
        failed = ImageAesthetics.objects.filter(status=ImageAesthetics.Status.FAILED).count()
        self.stdout.write(self.style.SUCCESS(f"embed_images: {job.result}; {failed} image(s) marked failed in total."))
