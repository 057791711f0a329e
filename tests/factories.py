"""Tiny factories: explicit keyword arguments, sensible defaults, no magic."""

from __future__ import annotations

from decimal import Decimal

from allauth.account.models import EmailAddress

from accounts.models import User
from catalog.models import Film, FilmAvailability, Genre, Person, WatchProvider, WatchProviderRegion


def make_member(
    username: str, *, password: str = "correct-horse-battery", email_verified: bool = True, **fields
) -> User:
    """A member who can log in; by default their e-mail address is verified, as a signed-up member's is."""
    fields.setdefault("email", f"{username}@example.com")
    member = User.objects.create_user(username=username, password=password, **fields)
    if email_verified:
        EmailAddress.objects.create(user=member, email=member.email, primary=True, verified=True)
    return member


def make_genre(name: str) -> Genre:
    genre, _ = Genre.objects.get_or_create(name=name, defaults={"slug": name.lower().replace(" ", "-")})
    return genre


def make_film(title: str, *, year: int | None = 2000, genres: tuple[str, ...] = (), **fields) -> Film:
    film = Film.objects.create(title=title, year=year, **fields)
    if genres:
        film.genres.set([make_genre(name) for name in genres])
    return film


def make_person(name: str) -> Person:
    person, _ = Person.objects.get_or_create(name_key=name.lower(), defaults={"name": name})
    return person


def make_rating(member: User, film: Film, stars: float | None, *, liked: bool = False):
    from reviews.models import Rating

    return Rating.objects.create(
        user=member, film=film, stars=None if stars is None else Decimal(str(stars)), liked=liked
    )


def make_poster(film: Film, *, color: tuple[int, int, int] = (200, 40, 40), size: tuple[int, int] = (20, 30)):
    """A small solid-colour JPEG stored as the film's poster."""
    import hashlib
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    from catalog.models import FilmImage

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG")
    content = buffer.getvalue()
    image = FilmImage(film=film, kind=FilmImage.Kind.POSTER, content_hash=hashlib.sha256(content).hexdigest())
    image.file.save("poster.jpg", ContentFile(content), save=False)
    # Saving a ContentFile leaves the dimension fields empty (the stream is read to its end), so set them.
    image.width, image.height = size
    image.save()
    film.poster = image
    film.save(update_fields=["poster"])
    return image


def make_offer(film: Film, *, country: str, provider_id: int, kind: str, name: str = "") -> None:
    """A film offered by a provider (created if new, and listed in the country) in one kind."""
    provider, _ = WatchProvider.objects.get_or_create(
        pk=provider_id, defaults={"name": name or f"Service {provider_id}"}
    )
    WatchProviderRegion.objects.get_or_create(provider=provider, country=country)
    FilmAvailability.objects.get_or_create(film=film, country=country, provider=provider, kind=kind)
