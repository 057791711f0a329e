"""The staff side of moderation: members' reviews, lists, diary and ratings, the report queue, and suspension.

Every action calls ``reviews.moderation``; the reason staff type in the action bar is what the author sees.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin import UserAdmin
from accounts.models import User

from . import moderation
from .models import DiaryEntry, FilmList, Rating, Report, Review


class ReasonActionForm(ActionForm):
    reason = forms.CharField(
        required=False,
        max_length=moderation.REASON_MAX_LENGTH,
        label="Reason (shown to the author)",
        widget=forms.TextInput(attrs={"size": 40}),
    )


def _reason(model_admin: admin.ModelAdmin, request: HttpRequest) -> str | None:
    reason = (request.POST.get("reason") or "").strip()
    if not reason:
        model_admin.message_user(request, "Type the reason the author will see, then run the action.", messages.ERROR)
        return None
    return reason


def _each(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, call, done: str) -> None:
    count = 0
    for item in queryset:
        try:
            call(item)
        except ValidationError as error:
            model_admin.message_user(request, f"{item}: {' '.join(error.messages)}", messages.ERROR)
        else:
            count += 1
    if count:
        model_admin.message_user(request, f"{done}: {count}.", messages.SUCCESS)


@admin.action(description="Hide with the reason typed beside the action")
def hide_content(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    if (reason := _reason(model_admin, request)) is None:
        return
    _each(
        model_admin,
        request,
        queryset,
        lambda content: moderation.content_hide(content=content, reason=reason, staff=request.user),
        "Hidden",
    )


@admin.action(description="Show again (undo hiding)")
def show_content(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    _each(model_admin, request, queryset, lambda content: moderation.content_show(content=content), "Shown again")


class ModeratedAdmin(admin.ModelAdmin):
    action_form = ReasonActionForm
    actions = [hide_content, show_content]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["is_hidden", "hidden_reason", "hidden_at", "hidden_by"]
    date_hierarchy = "created_at"
    list_per_page = 50


@admin.register(Review)
class ReviewAdmin(ModeratedAdmin):
    list_display = ["id", "user", "film", "excerpt", "stars", "is_private", "is_hidden", "imported_from", "created_at"]
    list_filter = ["is_hidden", "is_private", "contains_spoilers", "imported_from"]
    search_fields = ["text", "user__username", "film__title"]
    list_select_related = ["user", "film"]
    raw_id_fields = ["user", "film"]

    @admin.display(description="text")
    def excerpt(self, review: Review) -> str:
        return review.text[:80]


@admin.register(FilmList)
class FilmListAdmin(ModeratedAdmin):
    list_display = ["id", "title", "user", "is_public", "is_hidden", "updated_at"]
    list_filter = ["is_hidden", "is_public"]
    search_fields = ["title", "description", "user__username"]
    exclude = ["films"]


@admin.register(DiaryEntry)
class DiaryEntryAdmin(ModeratedAdmin):
    list_display = ["id", "user", "film", "watched_on", "stars", "is_private", "is_hidden"]
    list_filter = ["is_hidden", "is_private", "rewatch"]
    search_fields = ["user__username", "film__title"]
    list_select_related = ["user", "film"]
    raw_id_fields = ["user", "film", "review"]
    date_hierarchy = "watched_on"


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """Read-only: a rating is the member's own; suspension hides a member's ratings from statistics."""

    list_display = ["id", "user", "film", "stars", "liked", "is_private", "is_hidden", "updated_at"]
    list_filter = ["is_hidden", "is_private", "liked"]
    search_fields = ["user__username", "film__title"]
    list_select_related = ["user", "film"]
    raw_id_fields = ["user", "film"]
    show_full_result_count = False  # a million MovieLens ratings: no COUNT(*) on every page

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.action(description="Uphold: hide the content (or suspend the member)")
def report_uphold(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Report]) -> None:
    reason = (request.POST.get("reason") or "").strip()
    _each(
        model_admin,
        request,
        queryset.filter(status=Report.Status.OPEN),
        lambda report: moderation.report_uphold(report=report, staff=request.user, reason=reason),
        "Upheld",
    )


@admin.action(description="Dismiss")
def report_dismiss(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Report]) -> None:
    _each(
        model_admin,
        request,
        queryset.filter(status=Report.Status.OPEN),
        lambda report: moderation.report_dismiss(report=report, staff=request.user),
        "Dismissed",
    )


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """The staff queue: open reports first, oldest first; the reason beside the action overrides the report's."""

    action_form = ReasonActionForm
    actions = [report_uphold, report_dismiss]
    list_display = ["id", "created_at", "status", "reason", "target_label", "reported_text", "reporter", "text"]
    list_filter = ["status", "reason"]
    search_fields = ["text", "reporter__username", "member__username", "review__text", "film_list__title"]
    list_select_related = ["reporter", "review", "film_list", "member"]
    raw_id_fields = ["reporter", "review", "film_list", "member"]
    readonly_fields = ["handled_at", "handled_by"]
    ordering = ["status", "created_at"]

    @admin.display(description="reported")
    def reported_text(self, report: Report) -> str:
        if report.review_id:
            return report.review.text[:120]
        if report.film_list_id:
            return report.film_list.title
        return report.member.username


@admin.action(description="Suspend (deactivate and hide their content) with the reason typed beside the action")
def suspend_members(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]) -> None:
    if (reason := _reason(model_admin, request)) is None:
        return
    _each(
        model_admin,
        request,
        queryset,
        lambda member: moderation.member_suspend(member=member, reason=reason, staff=request.user),
        "Suspended",
    )


@admin.action(description="Lift the suspension")
def unsuspend_members(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[User]) -> None:
    _each(model_admin, request, queryset, lambda member: moderation.member_unsuspend(member=member), "Restored")


# Suspension hides content this app owns, so the member admin gains its actions here (accounts sits below).
admin.site.unregister(User)


@admin.register(User)
class MemberAdmin(UserAdmin):
    action_form = ReasonActionForm
    actions = [suspend_members, unsuspend_members]
    list_display = [*UserAdmin.list_display, "is_active", "suspended_at"]
    list_filter = [*UserAdmin.list_filter, ("suspended_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["suspended_at", "suspension_reason"]
    fieldsets = UserAdmin.fieldsets + (("Moderation", {"fields": ["suspended_at", "suspension_reason"]}),)
