"""Moderation writes: hide member content with a reason, suspend a member, and the report queue.

The admin's actions and the report form call these, so each behaviour has one code path. Hidden content leaves
every public surface through the selectors (which filter ``is_hidden`` as they filter ``is_private``); its author
still sees it with the reason. Suspension is reversible: the content it hid carries the suspension's timestamp
as ``hidden_at``, so lifting it shows that content again and leaves anything hidden on its own hidden.
"""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cineaesthete.validation import clean_line, clean_text

from .models import Activity, DiaryEntry, FilmList, Rating, Report, Review
from .services import film_rating_stats_refresh, film_sentiment_enqueue

Content = Review | FilmList | DiaryEntry

REASON_MAX_LENGTH = 500
REPORT_TEXT_MAX_LENGTH = 1000
# Reports a member may file per hour: enough for a real problem, too few to flood the staff queue.
REPORTS_PER_HOUR = 10


class ReportRateLimited(Exception):
    """Too many reports from one member this hour."""


def _reason(reason: object) -> str:
    return clean_line(reason, max_length=REASON_MAX_LENGTH, name="Reason", required=True)


def _content_changed(content: Content) -> None:
    """What else a hidden or shown piece of content affects: the film's sentiment summary, the feed."""
    if isinstance(content, Review):
        transaction.on_commit(lambda: film_sentiment_enqueue(film_id=content.film_id))
    elif isinstance(content, DiaryEntry) and content.is_hidden:
        # A viewing's activity row names no entry to filter on, so hiding the entry takes the row away.
        Activity.objects.filter(user_id=content.user_id, key=f"diary:{content.pk}").delete()


@transaction.atomic
def content_hide(*, content: Content, reason: str, staff) -> Content:
    """Hide a review, list or diary entry from everyone but its author, who sees ``reason``."""
    content.is_hidden = True
    content.hidden_reason = _reason(reason)
    content.hidden_at = timezone.now()
    content.hidden_by = staff
    content.save(update_fields=["is_hidden", "hidden_reason", "hidden_at", "hidden_by"])
    _content_changed(content)
    return content


@transaction.atomic
def content_show(*, content: Content) -> Content:
    """Undo ``content_hide``."""
    content.is_hidden = False
    content.hidden_reason = ""
    content.hidden_at = None
    content.hidden_by = None
    content.save(update_fields=["is_hidden", "hidden_reason", "hidden_at", "hidden_by"])
    _content_changed(content)
    return content


def _films_of(member) -> tuple[list[int], list[int]]:
    rated = list(Rating.objects.filter(user=member, stars__isnull=False).values_list("film_id", flat=True))
    reviewed = list(Review.objects.filter(user=member).values_list("film_id", flat=True).distinct())
    return rated, reviewed


def _after_member_change(member) -> None:
    rated, reviewed = _films_of(member)
    film_rating_stats_refresh(film_ids=rated)
    for film_id in reviewed:
        transaction.on_commit(lambda film_id=film_id: film_sentiment_enqueue(film_id=film_id))


@transaction.atomic
def member_suspend(*, member, reason: str, staff) -> None:
    """Deactivate ``member`` (no log-in, no profile) and hide their reviews, lists, diary and ratings."""
    if member.is_staff:
        raise ValidationError("Staff accounts cannot be suspended here; remove staff status first.")
    if member.suspended_at is not None:
        return
    reason = _reason(reason)
    now = timezone.now()
    member.is_active = False
    member.suspended_at = now
    member.suspension_reason = reason
    member.save(update_fields=["is_active", "suspended_at", "suspension_reason"])
    for model in (Review, FilmList, DiaryEntry):
        model.objects.filter(user=member, is_hidden=False).update(
            is_hidden=True, hidden_reason=f"Account suspended: {reason}", hidden_at=now, hidden_by=staff
        )
    Rating.objects.filter(user=member).update(is_hidden=True)
    _after_member_change(member)


@transaction.atomic
def member_unsuspend(*, member) -> None:
    """Lift a suspension: the account works again and the content the suspension hid is shown again."""
    suspended_at: datetime.datetime | None = member.suspended_at
    if suspended_at is None:
        return
    for model in (Review, FilmList, DiaryEntry):
        model.objects.filter(user=member, is_hidden=True, hidden_at=suspended_at).update(
            is_hidden=False, hidden_reason="", hidden_at=None, hidden_by=None
        )
    Rating.objects.filter(user=member).update(is_hidden=False)
    member.is_active = True
    member.suspended_at = None
    member.suspension_reason = ""
    member.save(update_fields=["is_active", "suspended_at", "suspension_reason"])
    _after_member_change(member)


# --- reports ------------------------------------------------------------------------------------------


def _target_field(target) -> str:
    if isinstance(target, Review):
        return "review"
    if isinstance(target, FilmList):
        return "film_list"
    return "member"


def _target_owner_id(target) -> int:
    return target.pk if _target_field(target) == "member" else target.user_id


def _rate_limit(reporter) -> None:
    """At most REPORTS_PER_HOUR reports per member per clock hour, counted in the shared cache."""
    key = f"reports:{reporter.pk}:{timezone.now():%Y%m%d%H}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # culled between add and incr: start again
        cache.set(key, 1, timeout=3600)
        count = 1
    if count > REPORTS_PER_HOUR:
        raise ReportRateLimited("You have sent a lot of reports this hour; please try again later.")


def report_create(*, reporter, target: Review | FilmList | object, reason: object, text: object = "") -> Report:
    """File a report of a review, list or member. A second report of the same thing while the first is still
    open returns the open one (the queue holds one per reporter and thing)."""
    field = _target_field(target)
    if _target_owner_id(target) == reporter.pk:
        raise ValidationError("You cannot report your own content.")
    if reason not in Report.Reason.values:
        raise ValidationError("Choose a reason from the list.")
    text = clean_text(text, max_length=REPORT_TEXT_MAX_LENGTH, name="Details")
    existing = Report.objects.filter(reporter=reporter, status=Report.Status.OPEN, **{field: target}).first()
    if existing is not None:
        return existing
    _rate_limit(reporter)
    try:
        with transaction.atomic():
            return Report.objects.create(reporter=reporter, reason=reason, text=text, **{field: target})
    except IntegrityError:  # the same report sent twice at once: the other request filed it
        return Report.objects.get(reporter=reporter, status=Report.Status.OPEN, **{field: target})


def _close_reports(*, report: Report, status: str, staff) -> int:
    """Close this report and every other open one about the same thing."""
    field = _target_field(report.target)
    return Report.objects.filter(status=Report.Status.OPEN, **{field: report.target}).update(
        status=status, handled_at=timezone.now(), handled_by=staff
    )


@transaction.atomic
def report_uphold(*, report: Report, staff, reason: str = "") -> None:
    """Act on a report: hide the review or list, or suspend the member, with the report's reason."""
    reason = reason or f"{report.get_reason_display()} (reported)"
    target = report.target
    if isinstance(target, Review | FilmList):
        if not target.is_hidden:
            content_hide(content=target, reason=reason, staff=staff)
    else:
        member_suspend(member=target, reason=reason, staff=staff)
    _close_reports(report=report, status=Report.Status.ACTIONED, staff=staff)


@transaction.atomic
def report_dismiss(*, report: Report, staff) -> None:
    _close_reports(report=report, status=Report.Status.DISMISSED, staff=staff)
