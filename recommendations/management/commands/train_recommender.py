"""Train the recommender: queue a job on the "ml" queue, or run it here with --sync.

Nightly: a cron line such as ``15 3 * * * cd /srv/cineaesthete && .venv/bin/python manage.py train_recommender
--if-older-than 20`` (queues the job for the worker; no extra always-on service).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cineaesthete.core.jobs import job_enqueue, job_run_inline
from recommendations.models import RecommenderModel
from recommendations.tasks import train_recommender


class Command(BaseCommand):
    help = "Train a new recommender version (queued on the ml queue, or in this process with --sync)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--sync", action="store_true", help="Train in this process instead of queueing a job.")
        parser.add_argument(
            "--if-older-than",
            type=float,
            metavar="HOURS",
            help="Do nothing when the active model is younger than this (idempotent re-runs, cron).",
        )
        parser.add_argument(
            "--force", action="store_true", help="Retrain even if nothing changed since the active model."
        )

    def handle(self, *args, sync: bool, if_older_than: float | None, force: bool, **options) -> None:
        from reviews.models import Rating

        active = RecommenderModel.objects.filter(state=RecommenderModel.State.ACTIVE).first()
        recent = active and active.activated_at and if_older_than is not None
        if recent and timezone.now() - active.activated_at < timedelta(hours=if_older_than):
            self.stdout.write(f"v{active.version} is recent enough; nothing to do.")
            return
        count = Rating.objects.count()
        if active and not force and active.metrics.get("ratings") == count:
            self.stdout.write(f"v{active.version} was trained on the current {count} ratings; nothing to do (--force).")
            return
        if not count:
            raise CommandError("There are no ratings yet: load the demo data first (manage.py load_demo).")
        if not sync:
            job = job_enqueue(train_recommender)
            self.stdout.write(f"Queued training job {job.pk} on the ml queue (see /staff/jobs/).")
            return
        job = job_run_inline(train_recommender)
        if job.state != job.State.SUCCEEDED:
            raise CommandError(f"Training failed; the previous model keeps serving.\n{job.error}")
        self.stdout.write(self.style.SUCCESS(f"Recommender v{job.result['version']} active: {job.result['metrics']}"))
