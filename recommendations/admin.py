from __future__ import annotations

from django.contrib import admin, messages

from cineaesthete.core.jobs import job_enqueue
from recommendations.models import FilmFeedback, RecommenderModel
from recommendations.services import recommender_activate
from recommendations.tasks import train_recommender


@admin.register(RecommenderModel)
class RecommenderModelAdmin(admin.ModelAdmin):
    list_display = ["version", "state", "created_at", "activated_at", "metrics"]
    list_filter = ["state"]
    readonly_fields = [
        "version",
        "state",
        "created_at",
        "activated_at",
        "params",
        "metrics",
        "artifact",
        "checksum",
        "error",
    ]
    actions = ["train_new_version", "activate_version"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Train a new recommender version now (queued on the ml queue)")
    def train_new_version(self, request, queryset) -> None:
        job = job_enqueue(train_recommender, created_by=request.user)
        self.message_user(request, f"Training queued as job {job.pk}; follow it at /staff/jobs/.", messages.SUCCESS)

    @admin.action(description="Activate the selected version (rolls back to it)")
    def activate_version(self, request, queryset) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version.", messages.ERROR)
            return
        model = queryset.get()
        if model.state not in {
            RecommenderModel.State.READY,
            RecommenderModel.State.RETIRED,
            RecommenderModel.State.ACTIVE,
        }:
            self.message_user(request, f"v{model.version} is {model.state} and cannot serve.", messages.ERROR)
            return
        try:
            recommender_activate(model=model)
        except Exception as error:  # a missing or corrupt file: say so, keep the current model
            self.message_user(request, f"v{model.version} cannot serve: {error}", messages.ERROR)
            return
        self.message_user(request, f"v{model.version} is now serving.", messages.SUCCESS)


@admin.register(FilmFeedback)
class FilmFeedbackAdmin(admin.ModelAdmin):
    list_display = ["user", "film", "kind", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["user", "film"]
