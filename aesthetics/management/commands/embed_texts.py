from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cineaesthete.core.jobs import job_enqueue, job_run_inline

from ...tasks import embed_texts


class Command(BaseCommand):
    help = "Embed film plots, tags and reviews with all-MiniLM-L6-v2 (only new or changed texts). Safe to re-run."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch", type=int, default=128, help="Texts per batch (default 128).")
        parser.add_argument("--queue", action="store_true", help="Enqueue on the ml queue instead of running here.")

    def handle(self, *, batch: int, queue: bool, **options) -> None:
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        if queue:
            job = job_enqueue(embed_texts, batch=batch)
            self.stdout.write(f"Queued job {job.pk}; follow it at /staff/jobs/.")
            return
        job = job_run_inline(embed_texts, batch=batch)
        if job.state != job.State.SUCCEEDED:
            raise CommandError(f"embed_texts failed:\n{job.error}")
        self.stdout.write(self.style.SUCCESS(f"embed_texts: {job.result}"))
