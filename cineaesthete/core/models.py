from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now


class JobRun(models.Model):
    """One run of a long background job, visible to staff in admin and on /staff/jobs/."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=100, db_index=True, help_text="The actor that runs the job.")
    arguments = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED, db_index=True)
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True, help_text="Latest progress line.")
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Traceback of the last failure.")
    attempts = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last lease renewal of the worker running it; stale means it died."
    )
    sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When its message was last sent; a queued job not started long after is re-sent.",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def duration(self):
        if self.started_at is None:
            return None
        return (self.finished_at or self.heartbeat_at or self.started_at) - self.started_at


class QueuedMessage(models.Model):
    """Storage of the embedded PostgreSQL Dramatiq broker (cineaesthete.core.broker).

    A row is claimed with ``FOR UPDATE SKIP LOCKED`` and leased; a worker that dies stops renewing its
    lease, so the message is delivered again. Done rows are kept a week for inspection.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        CONSUMED = "consumed", "Being processed"
        DONE = "done", "Done"
        REJECTED = "rejected", "Rejected (dead letter)"

    queue_name = models.CharField(max_length=255)
    message_id = models.CharField(max_length=64, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    message = models.JSONField()
    leased_until = models.DateTimeField(null=True, blank=True)
    # Database defaults: the broker writes these rows with plain SQL, not through the ORM.
    created_at = models.DateTimeField(db_default=Now())
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [
            models.Index(
                fields=["queue_name", "id"],
                name="queued_message_ready",
                condition=models.Q(state__in=["queued", "consumed"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.queue_name}:{self.message_id} ({self.state})"
