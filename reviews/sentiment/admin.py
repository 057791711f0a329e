from __future__ import annotations

from django.contrib import admin

from reviews.sentiment.models import (
    FilmRatingIntegrity,
    FilmSentimentSummary,
    RatingBurst,
    ReviewSentenceAspect,
    ReviewSentiment,
)
from reviews.sentiment.services import rating_burst_set_status


@admin.register(RatingBurst)
class RatingBurstAdmin(admin.ModelAdmin):
    list_display = (
        "film",
        "window_start",
        "window_end",
        "ratings_in_window",
        "volume_z",
        "distribution_shift",
        "suspicious_share",
        "status",
    )
    list_filter = ("status",)
    search_fields = ("film__title",)
    list_select_related = ("film",)
    raw_id_fields = ("film",)
    readonly_fields = (
        "film",
        "window_start",
        "window_end",
        "ratings_in_window",
        "volume_z",
        "distribution_shift",
        "p_value",
        "suspicious_share",
        "flagged_user_ids",
        "evidence",
        "detected_at",
    )
    actions = ("confirm", "dismiss")

    @admin.action(description="Confirm manipulation (flagged ratings stay out of the robust average)")
    def confirm(self, request, queryset) -> None:
        for burst in queryset:
            rating_burst_set_status(burst=burst, status=RatingBurst.Status.CONFIRMED)

    @admin.action(description="Dismiss as organic (flagged ratings count again)")
    def dismiss(self, request, queryset) -> None:
        for burst in queryset:
            rating_burst_set_status(burst=burst, status=RatingBurst.Status.DISMISSED)


@admin.register(FilmRatingIntegrity)
class FilmRatingIntegrityAdmin(admin.ModelAdmin):
    list_display = ("film", "plain_mean", "robust_mean", "plain_count", "excluded_count", "checked_at")
    list_select_related = ("film",)
    raw_id_fields = ("film",)
    search_fields = ("film__title",)


@admin.register(ReviewSentiment)
class ReviewSentimentAdmin(admin.ModelAdmin):
    list_display = ("review", "label", "score", "analyser", "analysable", "reason", "analysed_at")
    list_filter = ("label", "analyser", "analysable")
    raw_id_fields = ("review",)


@admin.register(ReviewSentenceAspect)
class ReviewSentenceAspectAdmin(admin.ModelAdmin):
    list_display = ("review", "position", "aspect", "score", "sentence")
    list_filter = ("aspect",)
    raw_id_fields = ("review",)


@admin.register(FilmSentimentSummary)
class FilmSentimentSummaryAdmin(admin.ModelAdmin):
    list_display = ("film", "review_count", "positive", "mixed", "negative", "mean_score", "moods", "updated_at")
    list_select_related = ("film",)
    raw_id_fields = ("film",)
    search_fields = ("film__title",)
