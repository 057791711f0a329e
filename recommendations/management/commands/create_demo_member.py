"""Create (or refresh) the "demo" login whose history is a real ML-1M member's ratings. Safe to re-run."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count

from accounts.models import User
from reviews.models import Rating


class Command(BaseCommand):
    help = 'Create the "demo" member with a real MovieLens member\'s ratings; prints the login.'

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument(
            "--ratings", type=int, default=120, help="Pick the imported member with about this many ratings."
        )

    def handle(self, *args, username: str, ratings: int, **options) -> None:
        password = os.environ.get("DEMO_PASSWORD", "cineaesthete-demo")
        with transaction.atomic():
            demo, created = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.com", "display_name": "Demo member"}
            )
            demo.set_password(password)
            demo.save(update_fields=["password"])
            _verify_email(demo)
            if not Rating.objects.filter(user=demo).exists():
                source = (
                    User.objects.filter(imported_from="movielens")
                    .annotate(n=Count("ratings"))
                    .filter(n__gte=ratings, n__lte=ratings * 2)
                    .order_by("n", "pk")
                    .first()
                )
                if source is None:
                    raise CommandError("No imported MovieLens member to copy: load the demo ratings first.")
                copied = [
                    Rating(
                        user=demo,
                        film_id=r.film_id,
                        stars=r.stars,
                        liked=r.liked,
                        created_at=r.created_at,
                        updated_at=r.updated_at,
                    )
                    for r in Rating.objects.filter(user=source)
                ]
                Rating.objects.bulk_create(copied, ignore_conflicts=True)
                self.stdout.write(
                    f"Copied {len(copied)} ratings of MovieLens member {source.external_id or source.pk}."
                )
        self.stdout.write(self.style.SUCCESS(f"Demo login: {username} / {password}"))


def _verify_email(user: User) -> None:
    """Mark the address verified so allauth's mandatory verification does not block the demo login."""
    try:
        from allauth.account.models import EmailAddress
    except ImportError:  # pragma: no cover
        return
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
