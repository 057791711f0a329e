from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.files.storage import Storage, storages
from django.db import models
from django.urls import reverse
from django.utils import timezone

HALF_STARS = [Decimal(n) / 2 for n in range(1, 11)]


def _stars_field(**options) -> models.DecimalField:
    return models.DecimalField(max_digits=2, decimal_places=1, null=True, blank=True, **options)


def _stars_constraint(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__isnull": True}) | models.Q(**{f"{field}__in": HALF_STARS}), name=name
    )


class Moderated(models.Model):
    """Member content staff can hide with a reason (reviews.moderation). Hidden content leaves every public
    surface; its author still sees it, with the reason."""

    is_hidden = models.BooleanField(default=False, db_default=False)
    hidden_reason = models.CharField(max_length=500, blank=True, default="")
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


class Rating(models.Model):
    """A member's current rating of a film: 0.5 to 5 stars in half steps, and/or a like."""

    ASPECTS = ("story", "acting", "visuals", "music")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings")
    film = models.ForeignKey("catalog.Film", on_delete=models.CASCADE, related_name="ratings")
    stars = models.DecimalField(max_digits=2, decimal_places=1, null=True, blank=True)
    liked = models.BooleanField(default=False)
    # Optional aspect ratings, same scale as stars.
    story = _stars_field()
    acting = _stars_field()
    visuals = _stars_field()
    music = _stars_field()
    # Set by a private diary entry: the member's own pages and recommendations use the rating; public film
    # statistics, activity and other members' views of the member do not.
    # A database default too: bulk loads (the MovieLens COPY) insert rows without naming the column.
    is_private = models.BooleanField(default=False, db_default=False)
    # Set while the member is suspended: their stars leave public statistics (reviews.moderation).
    is_hidden = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "film"], name="unique_rating"),
            models.CheckConstraint(
                condition=models.Q(stars__isnull=True)
                | (models.Q(stars__gte=Decimal("0.5")) & models.Q(stars__lte=Decimal("5.0"))),
                name="rating_stars_range",
            ),
            models.CheckConstraint(
                condition=models.Q(stars__isnull=True) | models.Q(stars__in=[Decimal(n) / 2 for n in range(1, 11)]),
                name="rating_stars_half_steps",
            ),
            _stars_constraint("story", "rating_story_half_steps"),
            _stars_constraint("acting", "rating_acting_half_steps"),
            _stars_constraint("visuals", "rating_visuals_half_steps"),
            _stars_constraint("music", "rating_music_half_steps"),
        ]
        indexes = [models.Index(fields=["film", "stars"]), models.Index(fields=["user", "-updated_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.film_id}: {self.stars}"

    @property
    def is_empty(self) -> bool:
        return self.stars is None and not self.liked and all(getattr(self, a) is None for a in self.ASPECTS)


class Review(Moderated):
    """A member's written review of a film. Plain text: escaped on display, paragraphs from blank lines."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    film = models.ForeignKey("catalog.Film", on_delete=models.CASCADE, related_name="reviews")
    text = models.TextField(max_length=20000)
    contains_spoilers = models.BooleanField(default=False)
    # The author's rating when the review was written (sorts a film's reviews by rating cheaply).
    stars = _stars_field()
    like_count = models.PositiveIntegerField(default=0)
    # Imported reviews (IMDb audience reviews for the demo, Letterboxd imports).
    imported_from = models.CharField(max_length=20, blank=True, default="")
    external_id = models.CharField(max_length=64, blank=True, default="")
    source_rating = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1–10, from IMDb.")
    letterboxd_uri = models.CharField(max_length=200, blank=True, help_text="Kept from a Letterboxd import.")
    # Written with a private diary entry: only its author sees it.
    # A database default too: bulk loads (the MovieLens COPY) insert rows without naming the column.
    is_private = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # False when the source gave no date (IMDb's data set): created_at is then the import's day, and pages
    # say "imported" rather than show it as the day the review was written.
    date_known = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["imported_from", "external_id"],
                condition=~models.Q(imported_from=""),
                name="unique_imported_review",
            ),
            _stars_constraint("stars", "review_stars_half_steps"),
        ]
        indexes = [
            models.Index(fields=["film", "-created_at"], name="review_film_recent"),
            models.Index(fields=["film", "-like_count"], name="review_film_popular"),
            models.Index(fields=["film", "stars"], name="review_film_stars"),
            models.Index(fields=["user", "-created_at"], name="review_user_recent"),
        ]

    def __str__(self) -> str:
        return f"Review {self.pk} of {self.film_id} by {self.user_id}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:review_detail", args=[self.pk])


class ReviewLike(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_likes")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "review"], name="unique_review_like")]

    def __str__(self) -> str:
        return f"{self.user_id} likes review {self.review_id}"


class DiaryEntry(Moderated):
    """One viewing of a film, logged on a date."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="diary_entries")
    film = models.ForeignKey("catalog.Film", on_delete=models.CASCADE, related_name="diary_entries")
    watched_on = models.DateField()
    rewatch = models.BooleanField(default=False)
    stars = _stars_field(help_text="The rating given at the time of this viewing.")
    liked = models.BooleanField(default=False)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="diary_entries")
    is_private = models.BooleanField(default=False)
    letterboxd_uri = models.CharField(max_length=200, blank=True, help_text="Kept from a Letterboxd import.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-watched_on", "-id"]
        verbose_name_plural = "diary entries"
        constraints = [_stars_constraint("stars", "diary_stars_half_steps")]
        indexes = [models.Index(fields=["user", "-watched_on"], name="diary_user_date")]

    def __str__(self) -> str:
        return f"{self.user_id} watched {self.film_id} on {self.watched_on}"


class WatchlistEntry(models.Model):
    class Priority(models.IntegerChoices):
        LOW = 1, "Low"
        NORMAL = 2, "Normal"
        HIGH = 3, "High"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watchlist")
    film = models.ForeignKey("catalog.Film", on_delete=models.CASCADE, related_name="watchlist_entries")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    note = models.CharField(max_length=500, blank=True)
    # Notes are the member's own unless they choose to show this one on their public watchlist.
    note_public = models.BooleanField(default=False, db_default=False)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "watchlist entries"
        constraints = [models.UniqueConstraint(fields=["user", "film"], name="unique_watchlist_entry")]
        indexes = [models.Index(fields=["user", "-added_at"], name="watchlist_user_added")]

    def __str__(self) -> str:
        return f"{self.film_id} on {self.user_id}'s watchlist"


class FilmList(Moderated):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="film_lists")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220)
    description = models.TextField(blank=True, max_length=5000)
    is_public = models.BooleanField(default=True)
    films = models.ManyToManyField("catalog.Film", through="FilmListEntry", related_name="member_lists")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["user", "slug"], name="unique_list_slug")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reviews:list_detail", args=[self.user.username, self.slug])


class FilmListEntry(models.Model):
    film_list = models.ForeignKey(FilmList, on_delete=models.CASCADE, related_name="entries")
    film = models.ForeignKey("catalog.Film", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "film list entries"
        constraints = [models.UniqueConstraint(fields=["film_list", "film"], name="unique_list_film")]

    def __str__(self) -> str:
        return f"{self.position}. {self.film_id} in list {self.film_list_id}"


class Follow(models.Model):
    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following")
    followed = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="unique_follow"),
            models.CheckConstraint(condition=~models.Q(follower=models.F("followed")), name="no_self_follow"),
        ]
        indexes = [models.Index(fields=["followed"], name="follow_followed")]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.followed_id}"


class FavouriteFilm(models.Model):
    """One of the four films a member shows at the top of their profile."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourite_films")
    film = models.ForeignKey("catalog.Film", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["user", "position"], name="unique_favourite_position"),
            models.UniqueConstraint(fields=["user", "film"], name="unique_favourite_film"),
            models.CheckConstraint(condition=models.Q(position__gte=1, position__lte=4), name="favourite_position_1_4"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} favourite {self.position}: {self.film_id}"


class Activity(models.Model):
    """What a member did, written by the services, read by the feed and the profile.

    ``key`` names the thing acted on ("rating:12", "review:5", "list:3"): a later change to the same thing
    replaces the row (an upsert), so re-rating a film ten times shows once, with the latest stars.
    """

    class Kind(models.TextChoices):
        RATED = "rated", "rated"
        LIKED = "liked", "liked"
        LOGGED = "logged", "watched"
        REVIEWED = "reviewed", "reviewed"
        LISTED = "listed", "updated the list"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=40)
    film = models.ForeignKey("catalog.Film", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    film_list = models.ForeignKey(FilmList, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    stars = _stars_field()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "activities"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="unique_activity_key")]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="activity_user_recent"),
            models.Index(fields=["-created_at"], name="activity_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.key}"


class LetterboxdFilm(models.Model):
    """A film's Letterboxd address, learnt from imports, so exports give the same links back.

    Any member's upload can teach a link, so a learnt link is only believed when a row's name and year agree
    with its film; ``trusted`` marks links set by staff or a curated source, which are believed on their own.
    """

    film = models.OneToOneField("catalog.Film", on_delete=models.CASCADE, related_name="+")
    uri = models.CharField(max_length=200, db_index=True)
    trusted = models.BooleanField(default=False, help_text="Set by staff or a curated source, not by an upload.")

    def __str__(self) -> str:
        return self.uri


class Report(models.Model):
    """A member's report of a review, a list or a member, waiting in the staff queue (the admin)."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        HARASSMENT = "harassment", "Harassment or hate"
        SPOILERS = "spoilers", "Unmarked spoilers"
        EXPLICIT = "explicit", "Sexual or violent content"
        IMPERSONATION = "impersonation", "Impersonation"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACTIONED = "actioned", "Content hidden"
        DISMISSED = "dismissed", "Dismissed"

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made")
    # Exactly one of these is the reported thing.
    review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    film_list = models.ForeignKey(FilmList, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="reports_received"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    text = models.TextField(blank=True, max_length=1000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(review__isnull=False, film_list__isnull=True, member__isnull=True)
                    | models.Q(review__isnull=True, film_list__isnull=False, member__isnull=True)
                    | models.Q(review__isnull=True, film_list__isnull=True, member__isnull=False)
                ),
                name="report_one_target",
            ),
            *(
                models.UniqueConstraint(
                    fields=["reporter", target], condition=models.Q(status="open"), name=f"one_open_report_{target}"
                )
                for target in ("review", "film_list", "member")
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="report_queue")]

    def __str__(self) -> str:
        return f"Report {self.pk} of {self.target_label}"

    @property
    def target(self):
        return self.review or self.film_list or self.member

    @property
    def target_label(self) -> str:
        if self.review_id:
            return f"review {self.review_id}"
        if self.film_list_id:
            return f"list {self.film_list_id}"
        return f"member {self.member_id}"


def private_storage() -> Storage:
    """Uploads that hold a member's whole history: outside MEDIA_ROOT, so no URL serves them."""
    return storages["private"]


def letterboxd_upload_path(instance: LetterboxdImport, filename: str) -> str:
    # Unguessable, though nothing serves this folder: a name is no secret once a path leaks into a log.
    return f"letterboxd/{instance.user_id}/{secrets.token_urlsafe(18)}.zip"


class LetterboxdImport(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="letterboxd_imports")
    # Emptied when the import ends: the upload is kept only while the job needs it.
    file = models.FileField(upload_to=letterboxd_upload_path, storage=private_storage, max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    report = models.JSONField(default=dict, blank=True)
    job = models.ForeignKey("core.JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One import at a time per member: a second would race the first over the same rows.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(state__in=["queued", "running"]),
                name="one_active_letterboxd_import",
            )
        ]

    def __str__(self) -> str:
        return f"Letterboxd import {self.pk} ({self.state})"

    def get_absolute_url(self) -> str:
        return reverse("reviews:letterboxd_import_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES


# --- alerts -------------------------------------------------------------------------------------------


class PersonFollow(models.Model):
    """A member follows a director (or anyone credited): a new film of theirs in the catalogue alerts them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_people")
    person = models.ForeignKey("catalog.Person", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "person"], name="unique_person_follow")]
        indexes = [models.Index(fields=["person"], name="person_follow_person")]

    def __str__(self) -> str:
        return f"{self.user_id} follows person {self.person_id}"


class AlertSettings(models.Model):
    """Which alerts a member wants, and their e-mail digest. A member without a row gets the defaults."""

    class Digest(models.TextChoices):
        NONE = "none", "No e-mail"
        DAILY = "daily", "Daily digest"
        WEEKLY = "weekly", "Weekly digest"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="alert_settings"
    )
    watchlist_available = models.BooleanField(
        default=True, help_text="A film on my watchlist starts streaming on one of my services."
    )
    director_new_film = models.BooleanField(default=True, help_text="A new film by a director I follow is added.")
    digest = models.CharField(max_length=6, choices=Digest.choices, default=Digest.NONE)

    def __str__(self) -> str:
        return f"alerts of {self.user_id}"


class Notification(models.Model):
    class Kind(models.TextChoices):
        WATCHLIST_AVAILABLE = "available", "Now on your services"
        DIRECTOR_FILM = "director", "New film by a director you follow"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # What happened, once per member: "available:<film>:<country>:<provider>", "director:<person>:<film>".
    # The unique constraint is what keeps an event from alerting (and mailing) anyone twice.
    event_key = models.CharField(max_length=80)
    film = models.ForeignKey("catalog.Film", on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(
        "catalog.WatchProvider", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey("catalog.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event_key"], name="unique_notification_event")]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_user_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.event_key} for {self.user_id}"


class DigestDelivery(models.Model):
    """One e-mail digest per member and period ("daily:2026-11-27", "weekly:2026-W48"): the job claims the
    period by inserting this row, so a rerun or a second scheduler never mails the same digest twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=20)
    sent_at = models.DateTimeField(default=timezone.now)
    notification_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "period"], name="unique_digest_period")]

    def __str__(self) -> str:
        return f"{self.period} digest for {self.user_id}"
