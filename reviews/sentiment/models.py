from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone


class ReviewSentiment(models.Model):
    """The polarity of one review, from the analyser named (re-run when the text or analyser changes)."""

    class Label(models.TextChoices):
        POSITIVE = "positive"
        NEGATIVE = "negative"
        MIXED = "mixed"
        NONE = "", "not analysable"

    review = models.OneToOneField("reviews.Review", on_delete=models.CASCADE, related_name="sentiment")
    label = models.CharField(max_length=10, choices=Label.choices, blank=True, default="")
    score = models.FloatField(default=0.0, help_text="-1 (negative) to 1 (positive).")
    analyser = models.CharField(max_length=40)
    version = models.CharField(max_length=80)
    analysable = models.BooleanField(default=True)
    reason = models.CharField(max_length=80, blank=True, default="", help_text="Why not analysable, or a note.")
    # Emotion-word hits in this review (NRC lexicon), summed per film for its emotion profile.
    emotions = models.JSONField(default=dict, blank=True)
    # sha256 prefix of the analysed text plus the analyser version: unchanged means nothing to redo.
    fingerprint = models.CharField(max_length=32, blank=True, default="")
    analysed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["label"], name="review_sentiment_label")]

    def __str__(self) -> str:
        return f"Review {self.review_id}: {self.label or 'not analysable'} ({self.score:+.2f})"


class ReviewSentenceAspect(models.Model):
    """A sentence of a review with its polarity, under one aspect ("" = no aspect, kept as a strong quote)."""

    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="sentence_aspects")
    position = models.PositiveSmallIntegerField(help_text="Sentence number within the review.")
    sentence = models.TextField()
    aspect = models.CharField(max_length=20, blank=True, default="")
    score = models.FloatField(help_text="Polarity of this aspect's mentions: the clause around each, not the sentence.")
    sentence_score = models.FloatField(null=True, blank=True, help_text="Polarity of the whole sentence.")

    class Meta:
        indexes = [models.Index(fields=["review", "position"], name="sentence_aspect_review")]

    def __str__(self) -> str:
        return f"{self.review_id}#{self.position} {self.aspect or '-'} {self.score:+.2f}"


class FilmSentimentSummary(models.Model):
    """Everything the film page shows about audience sentiment, recomputed from the film's reviews."""

    film = models.OneToOneField("catalog.Film", on_delete=models.CASCADE, related_name="sentiment_summary")
    review_count = models.PositiveIntegerField(default=0)
    positive = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)
    mixed = models.PositiveIntegerField(default=0)
    mean_score = models.FloatField(null=True, blank=True)
    aspects = models.JSONField(default=dict, blank=True, help_text="{aspect: {mean, count, positive, negative}}")
    emotions = models.JSONField(default=dict, blank=True, help_text="{emotion: share}")
    moods = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    loved = models.JSONField(default=list, blank=True, help_text="[{review_id, text, score, aspects}]")
    disliked = models.JSONField(default=list, blank=True)
    timeline = models.JSONField(default=list, blank=True, help_text="[{period, mean, count}]")
    analyser = models.CharField(max_length=40, blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "film sentiment summaries"
        indexes = [GinIndex(fields=["moods"], name="film_sentiment_moods")]

    def __str__(self) -> str:
        return f"Sentiment of film {self.film_id} ({self.review_count} reviews)"


class RatingBurst(models.Model):
    """A window of ratings on a film that departs from its history: for staff to confirm or dismiss."""

    class Status(models.TextChoices):
        OPEN = "open"
        CONFIRMED = "confirmed", "confirmed manipulation"
        DISMISSED = "dismissed", "dismissed (organic)"

    film = models.ForeignKey("catalog.Film", on_delete=models.CASCADE, related_name="rating_bursts")
    window_start = models.DateField()
    window_end = models.DateField()
    ratings_in_window = models.PositiveIntegerField()
    volume_z = models.FloatField(help_text="Robust z-score of the window's daily volume against the film's history.")
    distribution_shift = models.FloatField(help_text="KL divergence of the window's star histogram from history.")
    p_value = models.FloatField(null=True, blank=True, help_text="Chi-square test of window vs history histogram.")
    suspicious_share = models.FloatField(
        default=0.0, help_text="Share of window ratings from new/single-purpose accounts."
    )
    flagged_user_ids = models.JSONField(default=list, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    detected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["film", "window_start", "window_end"], name="unique_rating_burst_window")
        ]
        indexes = [models.Index(fields=["status", "-detected_at"], name="rating_burst_status")]

    def __str__(self) -> str:
        return f"Burst on film {self.film_id} {self.window_start}–{self.window_end}"


class FilmRatingIntegrity(models.Model):
    """The plain and the manipulation-resistant average of a film's ratings, side by side."""

    film = models.OneToOneField("catalog.Film", on_delete=models.CASCADE, related_name="rating_integrity")
    plain_mean = models.FloatField(null=True, blank=True)
    plain_count = models.PositiveIntegerField(default=0)
    robust_mean = models.FloatField(null=True, blank=True)
    excluded_count = models.PositiveIntegerField(default=0)
    # Null until the first check; a row may exist before that, holding only a queued check's due time.
    checked_at = models.DateTimeField(null=True, blank=True)
    # When the queued check of a rating burst runs: ratings arriving before then are seen by that check, so
    # they queue nothing more (one job per film per debounce window, however many ratings arrive).
    check_due_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Film {self.film_id}: {self.plain_mean} plain, {self.robust_mean} robust"
