from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class RecommenderModel(models.Model):
    """One trained version of the recommender; its arrays live in an .npz artifact under MODEL_DIR."""

    class State(models.TextChoices):
        TRAINING = "training", "Training"
        READY = "ready", "Ready (verified, not serving)"
        ACTIVE = "active", "Active (serving)"
        RETIRED = "retired", "Retired"
        FAILED = "failed", "Failed"

    version = models.PositiveIntegerField(unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.TRAINING, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    artifact = models.CharField(max_length=300, blank=True, help_text="Path relative to MODEL_DIR.")
    checksum = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the artifact file.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["state"], condition=models.Q(state="active"), name="one_active_recommender")
        ]

    def __str__(self) -> str:
        return f"recommender v{self.version} ({self.state})"


class FilmFeedback(models.Model):
    """A member's "not interested" / "already seen" on a recommended film: it never comes back."""

    class Kind(models.TextChoices):
        NOT_INTERESTED = "not_interested", "Not interested"
        SEEN = "seen", "Already seen"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="film_feedback")
    film = models.ForeignKey("catalog.Film", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "film"], name="unique_film_feedback")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.film_id}"


class TasteSeed(models.Model):
    """What a new member said they like on the onboarding page: a few genres and moods.

    Until the member has rated enough films, the top films of these genres and moods join their profile as
    pseudo-liked films, so the first recommendations lean their way (recommendations.selectors)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="taste_seed")
    genres = models.ManyToManyField("catalog.Genre", blank=True, related_name="+")
    moods = ArrayField(models.CharField(max_length=30), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"taste seed of {self.user_id}"
