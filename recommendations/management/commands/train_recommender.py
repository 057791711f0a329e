"""Train the recommender: queue a job on the "ml" queue, or run it here with --sync.

Nightly: the ``nightly_recommender_training`` actor (recommendations/tasks.py), sent at 03:15 by the
dramatiq-crontab scheduler (``manage.py crontab``, started by ``make run``), does the same as
``train_recommender --if-older-than 20``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cineaesthete.core.jobs import job_enqueue, job_run_inline
from recommendations.services import recommender_training_reason
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
        try:
            reason = recommender_training_reason(if_older_than_hours=if_older_than, force=force)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if reason is None:
            self.stdout.write("The active model is current (recent enough, or trained on these ratings); --force.")
            return
        self.stdout.write(f"Training: {reason}.")
        if not sync:
            job = job_enqueue(train_recommender)
            self.stdout.write(f"Queued training job {job.pk} on the ml queue (see /staff/jobs/).")
            return
        job = job_run_inline(train_recommender)
        if job.state != job.State.SUCCEEDED:
            raise CommandError(f"Training failed; the previous model keeps serving.\n{job.error}")
        self.stdout.write(self.style.SUCCESS(f"Recommender v{job.result['version']} active: {job.result['metrics']}"))
