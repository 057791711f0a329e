from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A member. Imported members (MovieLens raters, IMDb reviewers) have no password and cannot log in:
    they exist so the recommender and film pages can learn from real audiences."""

    display_name = models.CharField(max_length=100, blank=True)
    bio = models.TextField(blank=True, max_length=2000)
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    country = models.CharField(
        max_length=2, blank=True, default="", help_text="ISO 3166-1 alpha-2 code: where the member watches films."
    )
    diary_private_by_default = models.BooleanField(
        default=False, help_text="New diary entries start private (only the member sees them)."
    )
    imported_from = models.CharField(
        max_length=20, blank=True, default="", help_text="Data set an imported member comes from, e.g. movielens."
    )
    external_id = models.CharField(max_length=64, blank=True, default="")
    # Set by staff (reviews.moderation.member_suspend): the account is inactive and its content hidden.
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["imported_from", "external_id"],
                condition=~models.Q(imported_from=""),
                name="unique_imported_member",
            )
        ]

    @property
    def is_imported(self) -> bool:
        return bool(self.imported_from)

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username
