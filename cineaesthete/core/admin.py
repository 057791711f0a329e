from __future__ import annotations

from django.contrib import admin, messages

from .jobs import job_retry
from .models import JobRun, QueuedMessage


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "state", "percent", "message", "attempts", "created_at", "duration"]
    list_filter = ["state", "kind"]
    search_fields = ["kind", "message", "error"]
    readonly_fields = [f.name for f in JobRun._meta.fields]
    actions = ["retry"]

    @admin.action(description="Retry selected failed jobs")
    def retry(self, request, queryset):
        retried = sum(job_retry(job) for job in queryset)
        self.message_user(request, f"{retried} job(s) queued again.", messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(QueuedMessage)
class QueuedMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "queue_name", "state", "message_id", "created_at", "updated_at", "leased_until"]
    list_filter = ["state", "queue_name"]
    readonly_fields = [f.name for f in QueuedMessage._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
