"""Writes for ratings, diary, reviews, watchlists, lists, follows and favourites.

Views, API views, commands and the Letterboxd import all call these, so each behaviour has one code path.
Callers check access first (``reviews.selectors.*_for_author`` helpers); these functions trust the objects
they are given but validate values (stars in half steps, no self-follow) and raise ``ValidationError``.
Anything that changes a member's taste tells the recommender afterwards.
"""

from __future__ import annotations

import datetime
import smtplib
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Case, F, FloatField, Q, Value, When
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from catalog.models import STREAM_KINDS, Credit, Film, Person
from catalog.services.stats import film_stats_refresh
from cineaesthete.validation import clean_line, clean_text
from reviews.sentiment.services import film_sentiment_enqueue, rating_integrity_watch, review_sentiment_enqueue

from .models import (
    Activity,
    AlertSettings,
    DiaryEntry,
    DigestDelivery,
    FavouriteFilm,
    FilmList,
    FilmListEntry,
    Follow,
    Notification,
    PersonFollow,
    Rating,
    Review,
    ReviewLike,
    WatchlistEntry,
)

MAX_TAGS = 20
DIGEST_UNSUBSCRIBE_SALT = "reviews.digest-unsubscribe"
DIGEST_MAX_ITEMS = 100
REVIEW_MAX_LENGTH = 20000


# --- helpers ------------------------------------------------------------------------------------------


def parse_stars(value: object) -> Decimal | None:
    """0.5 to 5 in half steps, or None for "no rating" (None or the empty string)."""
    if value is None or value == "":
        return None
    try:
        stars = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{value!r} is not a number of stars.") from None
    if not stars.is_finite() or stars < Decimal("0.5") or stars > 5 or (stars * 2) % 1 != 0:
        raise ValidationError("Stars go from 0.5 to 5 in half steps.")
    return stars.quantize(Decimal("0.1"))


def film_rating_stats_refresh(*, film_ids: Iterable[int] | None = None) -> int:
    """Recount Film.rating_count/rating_mean for these films (all films without ``film_ids``) from the
    ratings that count for others: private diary ratings stay out of public averages. Return how many changed."""
    return film_stats_refresh(ratings=Rating.objects.filter(is_private=False, is_hidden=False), film_ids=film_ids)


def _film_stats_apply(*, film_id: int, old: Decimal | None, new: Decimal | None) -> None:
    """Fold one rating change into Film.rating_count/rating_mean in one UPDATE, without re-reading every
    rating of the film (a popular film has thousands). film_rating_stats_refresh recomputes exactly.

    ``old`` and ``new`` are the public stars before and after (None for none, or for a private rating)."""
    if old == new:
        return
    delta = (new is not None) - (old is not None)
    total = Coalesce(F("rating_mean"), Value(0.0)) * F("rating_count") - float(old or 0) + float(new or 0)
    Film.objects.filter(pk=film_id).update(
        rating_count=F("rating_count") + delta,
        rating_mean=Case(
            When(rating_count__lte=-delta, then=Value(None, output_field=FloatField())),
            default=total / (F("rating_count") + delta),
            output_field=FloatField(),
        ),
    )


def _activity(
    *, user, kind: str, key: str, film=None, review=None, film_list=None, stars: Decimal | None = None
) -> None:
    """Record what a member did; a later change to the same thing (same key) replaces the row."""
    Activity.objects.bulk_create(
        [
            Activity(
                user=user,
                kind=kind,
                key=key,
                film=film,
                review=review,
                film_list=film_list,
                stars=stars,
                created_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["user", "key"],
        update_fields=["kind", "film", "review", "film_list", "stars", "created_at"],
    )


def _activity_forget(*, user, key: str) -> None:
    Activity.objects.filter(user=user, key=key).delete()


def _rating_activity(rating: Rating) -> None:
    key = f"rating:{rating.film_id}"
    if rating.is_private or rating.pk is None:
        _activity_forget(user=rating.user, key=key)
    elif rating.stars is not None:
        _activity(user=rating.user, kind=Activity.Kind.RATED, key=key, film=rating.film, stars=rating.stars)
    elif rating.liked:
        _activity(user=rating.user, kind=Activity.Kind.LIKED, key=key, film=rating.film)
    else:
        _activity_forget(user=rating.user, key=key)


def _locked_rating(*, user, film) -> tuple[Rating, bool]:
    """The member's rating row for this film, locked for the transaction; created empty when missing."""
    try:
        with transaction.atomic():
            return Rating.objects.select_for_update().get_or_create(user=user, film=film)
    except IntegrityError:  # a concurrent request created it first
        return Rating.objects.select_for_update().get(user=user, film=film), False


# --- ratings ------------------------------------------------------------------------------------------


def _has_scores(rating: Rating) -> bool:
    """Whether the rating holds stars or an aspect rating (more than a like)."""
    return rating.stars is not None or any(getattr(rating, aspect) is not None for aspect in Rating.ASPECTS)


def _public_stars(rating: Rating) -> Decimal | None:
    """The stars this rating adds to the film's public statistics."""
    return None if rating.is_private or rating.is_hidden or rating.pk is None else rating.stars


def rating_set(
    *,
    user,
    film: Film,
    stars: object,
    aspects: Mapping[str, object] | None = None,
    is_private: bool | None = None,
) -> Rating:
    """Set (or change) the member's stars for a film; ``stars=None`` clears them. Aspect ratings
    (story, acting, visuals, music) are set when given in ``aspects``; None clears one.

    ``is_private`` (from a diary entry) makes the rating private or public; None keeps what it was, so a
    star click never publishes a rating the member logged privately."""
    stars = parse_stars(stars)
    parsed_aspects: dict[str, Decimal | None] = {}
    for name, value in (aspects or {}).items():
        if name not in Rating.ASPECTS:
            raise ValidationError(f"Unknown aspect {name!r}.")
        parsed_aspects[name] = parse_stars(value)
    with transaction.atomic():
        rating, created = _locked_rating(user=user, film=film)
        old_public = _public_stars(rating)
        rating.stars = stars
        if is_private is not None:
            rating.is_private = is_private
        for name, value in parsed_aspects.items():
            setattr(rating, name, value)
        rating.updated_at = timezone.now()
        if rating.is_empty:
            rating.delete()
        else:
            rating.save(update_fields=["stars", "is_private", "updated_at", *parsed_aspects])
        _film_stats_apply(film_id=film.pk, old=old_public, new=_public_stars(rating))
        if old_public != _public_stars(rating):
            rating_integrity_watch(film_id=film.pk)
        _rating_activity(rating)
    return rating


def rating_aspects_set(*, user, film: Film, aspects: Mapping[str, object]) -> Rating:
    """Set aspect ratings (story, acting, visuals, music) and keep the member's stars as they are."""
    with transaction.atomic():
        # Locked, so a star click racing this request is not undone by the stars read here.
        stars = Rating.objects.select_for_update().filter(user=user, film=film).values_list("stars", flat=True).first()
        return rating_set(user=user, film=film, stars=stars, aspects=aspects)


def rating_clear(*, user, film: Film) -> None:
    """Remove the member's stars (and aspect ratings) for a film; a like stays."""
    rating_set(user=user, film=film, stars=None, aspects=dict.fromkeys(Rating.ASPECTS))


def like_set(*, user, film: Film, liked: bool, is_private: bool | None = None) -> Rating:
    """Like or unlike a film; ``is_private`` as for ``rating_set`` (the like lives on the rating row), except
    that ``is_private=False`` does not publish a private rating that has stars or aspect ratings."""
    with transaction.atomic():
        rating, _ = _locked_rating(user=user, film=film)
        old_public = _public_stars(rating)
        rating.liked = liked
        # A like given in public never publishes stars or aspect ratings given in private: such a row stays
        # private (the public diary entry still shows its like).
        publishes_private_scores = is_private is False and rating.is_private and _has_scores(rating)
        if is_private is not None and not publishes_private_scores:
            rating.is_private = is_private
        rating.updated_at = timezone.now()
        if rating.is_empty:
            rating.delete()
        else:
            rating.save(update_fields=["liked", "is_private", "updated_at"])
        _film_stats_apply(film_id=film.pk, old=old_public, new=_public_stars(rating))
        _rating_activity(rating)
    return rating


def like_toggle(*, user, film: Film) -> bool:
    """Flip the member's like of a film; returns whether the film is now liked."""
    liked = not Rating.objects.filter(user=user, film=film, liked=True).exists()
    like_set(user=user, film=film, liked=liked)
    return liked


# --- reviews ------------------------------------------------------------------------------------------


def review_text_clean(text: object) -> str:
    """Every review's text, however it arrives (form, API, imports): no NUL, at most 20,000 characters."""
    return clean_text(text, max_length=REVIEW_MAX_LENGTH, name="A review", required=True)


def review_create(
    *,
    user,
    film: Film,
    text: str,
    contains_spoilers: bool = False,
    created_at: datetime.datetime | None = None,
    is_private: bool = False,
) -> Review:
    """Publish a review; a private one (from a private diary entry) is seen by its author only."""
    text = review_text_clean(text)
    # A public review shows the author's stars only when the rating is public too.
    ratings = Rating.objects.filter(user=user, film=film)
    if not is_private:
        ratings = ratings.filter(is_private=False)
    stars = ratings.values_list("stars", flat=True).first()
    now = created_at or timezone.now()
    with transaction.atomic():
        review = Review.objects.create(
            user=user,
            film=film,
            text=text,
            contains_spoilers=contains_spoilers,
            stars=stars,
            is_private=is_private,
            created_at=now,
            updated_at=now,
        )
        if not is_private:
            _activity(
                user=user, kind=Activity.Kind.REVIEWED, key=f"review:{review.pk}", film=film, review=review, stars=stars
            )
        review_sentiment_enqueue(review_id=review.pk)
    return review


def review_update(*, review: Review, text: str, contains_spoilers: bool) -> Review:
    review.text = review_text_clean(text)
    review.contains_spoilers = contains_spoilers
    review.updated_at = timezone.now()
    review.save(update_fields=["text", "contains_spoilers", "updated_at"])
    review_sentiment_enqueue(review_id=review.pk)
    return review


def review_delete(*, review: Review) -> None:
    with transaction.atomic():
        _activity_forget(user=review.user, key=f"review:{review.pk}")
        film_id = review.film_id
        review.delete()
        film_sentiment_enqueue(film_id=film_id)


def review_like_toggle(*, user, review: Review) -> bool:
    """Like or unlike another member's review; returns whether it is now liked."""
    if review.user_id == user.pk:
        raise ValidationError("You cannot like your own review.")
    with transaction.atomic():
        deleted, _ = ReviewLike.objects.filter(user=user, review=review).delete()
        if deleted:
            Review.objects.filter(pk=review.pk).update(like_count=F("like_count") - 1)
            review.like_count -= 1
            return False
        ReviewLike.objects.create(user=user, review=review)
        Review.objects.filter(pk=review.pk).update(like_count=F("like_count") + 1)
        review.like_count += 1
        return True


# --- diary --------------------------------------------------------------------------------------------


def tags_clean(tags: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        tag = clean_line(str(tag), max_length=1000, name="A tag").lower()[:50]
        if tag and tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError(f"At most {MAX_TAGS} tags.")
    return cleaned


def parse_tags(text: str) -> list[str]:
    return tags_clean(text.split(","))


def diary_log(
    *,
    user,
    film: Film,
    watched_on: datetime.date,
    rewatch: bool = False,
    stars: object = None,
    liked: bool = False,
    tags: Iterable[str] = (),
    review_text: str = "",
    contains_spoilers: bool = False,
    is_private: bool | None = None,
) -> DiaryEntry:
    """Log a viewing. Stars given here also become the member's current rating (as on Letterboxd).

    A private entry keeps its stars, like and review to the member: the rating and review it writes are
    private, and no activity is recorded. ``is_private`` None is the member's own default (their "make new
    diary entries private" setting), so no caller can forget it."""
    if is_private is None:
        is_private = user.diary_private_by_default
    stars = parse_stars(stars)
    if watched_on > timezone.localdate() + datetime.timedelta(days=1):
        raise ValidationError("The viewing date is in the future.")
    tags = tags_clean(tags)
    with transaction.atomic():
        if stars is not None:
            rating_set(user=user, film=film, stars=stars, is_private=is_private)
        if liked:
            like_set(user=user, film=film, liked=True, is_private=is_private)
        review = None
        if review_text.strip():
            review = review_create(
                user=user, film=film, text=review_text, contains_spoilers=contains_spoilers, is_private=is_private
            )
        entry = DiaryEntry.objects.create(
            user=user,
            film=film,
            watched_on=watched_on,
            rewatch=rewatch,
            stars=stars,
            liked=liked,
            tags=tags,
            review=review,
            is_private=is_private,
        )
        if not is_private:
            _activity(user=user, kind=Activity.Kind.LOGGED, key=f"diary:{entry.pk}", film=film, stars=stars)
    return entry


def diary_delete(*, entry: DiaryEntry) -> None:
    with transaction.atomic():
        _activity_forget(user=entry.user, key=f"diary:{entry.pk}")
        entry.delete()


# --- watchlist ----------------------------------------------------------------------------------------


def _clean_watchlist_note(note: object) -> str:
    return clean_text(note, max_length=500, name="A note")


def watchlist_add(
    *,
    user,
    film: Film,
    priority: int = WatchlistEntry.Priority.NORMAL,
    note: str = "",
    note_public: bool | None = None,
) -> WatchlistEntry:
    """Put a film on the watchlist (or update its priority and note). Notes are private unless
    ``note_public``; None keeps the entry's current choice."""
    if priority not in WatchlistEntry.Priority.values:
        raise ValidationError("Unknown priority.")
    note = _clean_watchlist_note(note)
    entry, created = WatchlistEntry.objects.get_or_create(
        user=user, film=film, defaults={"priority": priority, "note": note, "note_public": bool(note_public)}
    )
    changed = entry.priority != priority or (note and entry.note != note)
    if not created and (changed or (note_public is not None and note_public != entry.note_public)):
        entry.priority = priority
        entry.note = note or entry.note
        if note_public is not None:
            entry.note_public = note_public
        entry.save(update_fields=["priority", "note", "note_public"])
    return entry


def watchlist_remove(*, user, film: Film) -> bool:
    deleted, _ = WatchlistEntry.objects.filter(user=user, film=film).delete()
    return bool(deleted)


def watchlist_toggle(*, user, film: Film) -> bool:
    """Add the film to the watchlist, or take it off; returns whether it is now on the watchlist."""
    if watchlist_remove(user=user, film=film):
        return False
    watchlist_add(user=user, film=film)
    return True


def watchlist_update(
    *, entry: WatchlistEntry, priority: int, note: str, note_public: bool | None = None
) -> WatchlistEntry:
    if priority not in WatchlistEntry.Priority.values:
        raise ValidationError("Unknown priority.")
    entry.note = _clean_watchlist_note(note)
    entry.priority = priority
    if note_public is not None:
        entry.note_public = note_public
    entry.save(update_fields=["priority", "note", "note_public"])
    return entry


# --- lists --------------------------------------------------------------------------------------------


def _unique_list_slug(*, user, title: str, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:200] or "list"
    taken = set(
        FilmList.objects.filter(user=user, slug__startswith=base).exclude(pk=exclude_pk).values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def list_title_clean(title: object) -> str:
    return clean_line(title, max_length=200, name="A list's title", required=True)


def _clean_description(description: object) -> str:
    return clean_text(description, max_length=5000, name="A list's description")


def _clean_list_note(note: object) -> str:
    return clean_text(note, max_length=1000, name="A note")


def _list_touched(film_list: FilmList) -> None:
    film_list.updated_at = timezone.now()
    FilmList.objects.filter(pk=film_list.pk).update(updated_at=film_list.updated_at)
    if film_list.is_public:
        _activity(user=film_list.user, kind=Activity.Kind.LISTED, key=f"list:{film_list.pk}", film_list=film_list)
    else:
        _activity_forget(user=film_list.user, key=f"list:{film_list.pk}")


def list_create(*, user, title: str, description: str = "", is_public: bool = True) -> FilmList:
    title = list_title_clean(title)
    with transaction.atomic():
        film_list = FilmList.objects.create(
            user=user,
            title=title,
            slug=_unique_list_slug(user=user, title=title),
            description=_clean_description(description),
            is_public=is_public,
        )
        _list_touched(film_list)
    return film_list


def list_update(*, film_list: FilmList, title: str, description: str, is_public: bool) -> FilmList:
    title = list_title_clean(title)
    description = _clean_description(description)
    with transaction.atomic():
        if title != film_list.title:
            film_list.slug = _unique_list_slug(user=film_list.user, title=title, exclude_pk=film_list.pk)
        film_list.title = title
        film_list.description = description
        film_list.is_public = is_public
        film_list.save(update_fields=["title", "slug", "description", "is_public"])
        _list_touched(film_list)
    return film_list


def list_delete(*, film_list: FilmList) -> None:
    film_list.delete()


def list_add(*, film_list: FilmList, film: Film, note: str = "", position: int | None = None) -> FilmListEntry:
    """Add a film at the end (or at ``position``); a film already in the list keeps its place."""
    note = _clean_list_note(note)
    with transaction.atomic():
        FilmList.objects.select_for_update().filter(pk=film_list.pk).first()
        existing = FilmListEntry.objects.filter(film_list=film_list, film=film).first()
        if existing:
            if note and note != existing.note:
                existing.note = note
                existing.save(update_fields=["note"])
            return existing
        last = FilmListEntry.objects.filter(film_list=film_list).order_by("-position").first()
        end = last.position + 1 if last else 1
        entry = FilmListEntry.objects.create(
            film_list=film_list, film=film, note=note, position=end if position is None else position
        )
        if position is not None:
            _list_renumber(film_list, moved=entry)
        _list_touched(film_list)
    return entry


def list_remove(*, film_list: FilmList, film: Film) -> bool:
    with transaction.atomic():
        deleted, _ = FilmListEntry.objects.filter(film_list=film_list, film=film).delete()
        if deleted:
            _list_renumber(film_list)
            _list_touched(film_list)
    return bool(deleted)


def list_entry_update(*, entry: FilmListEntry, note: str) -> FilmListEntry:
    entry.note = _clean_list_note(note)
    entry.save(update_fields=["note"])
    return entry


def _list_renumber(film_list: FilmList, moved: FilmListEntry | None = None) -> None:
    """Positions 1..n in the current order; a just-moved entry goes before others at its position."""
    entries = list(FilmListEntry.objects.filter(film_list=film_list).order_by("position", "id"))
    if moved is not None:
        entries.sort(key=lambda e: (e.position, e.pk != moved.pk, e.pk))
    for position, entry in enumerate(entries, start=1):
        entry.position = position
    FilmListEntry.objects.bulk_update(entries, ["position"])


def list_reorder(*, film_list: FilmList, film_ids: Sequence[int]) -> None:
    """Put the list in this order of film ids; films not named keep their relative order after them."""
    with transaction.atomic():
        entries = {e.film_id: e for e in FilmListEntry.objects.select_for_update().filter(film_list=film_list)}
        unknown = [film_id for film_id in film_ids if film_id not in entries]
        if unknown:
            raise ValidationError(f"Films not in this list: {unknown[:5]}")
        if len(set(film_ids)) != len(film_ids):
            raise ValidationError("A film appears twice in the new order.")
        named = [entries[film_id] for film_id in film_ids]
        rest = sorted((e for e in entries.values() if e.film_id not in set(film_ids)), key=lambda e: (e.position, e.pk))
        ordered = named + rest
        for position, entry in enumerate(ordered, start=1):
            entry.position = position
        FilmListEntry.objects.bulk_update(ordered, ["position"])
        _list_touched(film_list)


def list_move(*, film_list: FilmList, film: Film, position: int) -> None:
    """Move one film to a 1-based position (the no-JavaScript way to reorder)."""
    order = list(
        FilmListEntry.objects.filter(film_list=film_list).order_by("position", "id").values_list("film_id", flat=True)
    )
    if film.pk not in order:
        raise ValidationError("That film is not in this list.")
    order.remove(film.pk)
    order.insert(max(0, min(len(order), position - 1)), film.pk)
    list_reorder(film_list=film_list, film_ids=order)


# --- social -------------------------------------------------------------------------------------------


def follow_create(*, follower, followed) -> Follow:
    if follower.pk == followed.pk:
        raise ValidationError("You cannot follow yourself.")
    relation, _ = Follow.objects.get_or_create(follower=follower, followed=followed)
    return relation


def follow_delete(*, follower, followed) -> bool:
    deleted, _ = Follow.objects.filter(follower=follower, followed=followed).delete()
    return bool(deleted)


def favourites_set(*, user, films: Sequence[Film]) -> None:
    """The member's four favourite films, in order (fewer is fine; duplicates are dropped)."""
    unique: list[Film] = []
    for film in films:
        if film is not None and film.pk not in {f.pk for f in unique}:
            unique.append(film)
    if len(unique) > 4:
        raise ValidationError("Pick at most four favourite films.")
    with transaction.atomic():
        FavouriteFilm.objects.filter(user=user).delete()
        FavouriteFilm.objects.bulk_create(
            [FavouriteFilm(user=user, film=film, position=n) for n, film in enumerate(unique, start=1)]
        )


@transaction.atomic
def account_delete(*, user) -> dict[str, int]:
    """Delete a member and everything they made: ratings, diary, reviews, lists, watchlist, follows, imports.

    Their ratings leave the films' averages at once; films they reviewed get their audience sentiment
    recomputed (in a worker, after the commit). Returns what was deleted, by kind, for the goodbye message.
    """
    rated_film_ids = list(Rating.objects.filter(user=user).values_list("film_id", flat=True))
    reviewed_film_ids = list(Review.objects.filter(user=user).values_list("film_id", flat=True).distinct())
    counts = {
        "ratings": len(rated_film_ids),
        "reviews": len(reviewed_film_ids),
        "diary entries": DiaryEntry.objects.filter(user=user).count(),
        "lists": FilmList.objects.filter(user=user).count(),
    }
    if user.avatar:
        avatar = user.avatar
        transaction.on_commit(lambda: avatar.storage.delete(avatar.name))
    user.delete()
    film_rating_stats_refresh(film_ids=rated_film_ids)
    for film_id in reviewed_film_ids:
        film_sentiment_enqueue(film_id=film_id)
    return counts


# --- alerts -------------------------------------------------------------------------------------------


def person_follow_set(*, user, person: Person, follow: bool) -> bool:
    """Follow or unfollow a person (a director's new films then alert the member); returns the new state."""
    if follow:
        PersonFollow.objects.get_or_create(user=user, person=person)
    else:
        PersonFollow.objects.filter(user=user, person=person).delete()
    return follow


def alert_settings_update(*, user, watchlist_available: bool, director_new_film: bool, digest: str) -> AlertSettings:
    if digest not in AlertSettings.Digest.values:
        raise ValidationError({"digest": "Choose no e-mail, a daily or a weekly digest."})
    alert_settings, _ = AlertSettings.objects.update_or_create(
        user=user,
        defaults={"watchlist_available": watchlist_available, "director_new_film": director_new_film, "digest": digest},
    )
    return alert_settings


def digest_unsubscribe(*, user) -> None:
    AlertSettings.objects.update_or_create(user=user, defaults={"digest": AlertSettings.Digest.NONE})


def notifications_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the member's notifications read (all, or these ids: others' ids simply match nothing)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


def _wants(field: str) -> Q:
    # A member without an AlertSettings row has the defaults: every alert on.
    return Q(**{f"user__alert_settings__{field}": True}) | Q(user__alert_settings__isnull=True)


def watchlist_availability_notify(film_id: int, added: Sequence[tuple[str, int, str]]) -> int:
    """Alert the members who have this film on their watchlist when it newly streams on one of their services
    in their country (the provider refresh's listener). Returns how many notifications were created; an
    event already notified is skipped by the unique constraint, so a repeated refresh alerts nobody twice."""
    streaming = {(country, provider_id) for country, provider_id, kind in added if kind in STREAM_KINDS}
    if not streaming:
        return 0
    notifications = []
    for country in sorted({country for country, _provider in streaming}):
        providers = [provider_id for c, provider_id in streaming if c == country]
        in_country = Q(user__country=country)
        if country == settings.STREAMING_DEFAULT_COUNTRY:
            in_country |= Q(user__country="")  # members who set no country see the site's default
        rows = (
            WatchlistEntry.objects.filter(in_country, _wants("watchlist_available"), film_id=film_id)
            .filter(user__streaming_services__provider_id__in=providers)
            .values_list("user_id", "user__streaming_services__provider_id")
        )
        notifications += [
            Notification(
                user_id=user_id,
                kind=Notification.Kind.WATCHLIST_AVAILABLE,
                event_key=f"available:{film_id}:{country}:{provider_id}",
                film_id=film_id,
                provider_id=provider_id,
            )
            for user_id, provider_id in rows
        ]
    return _notifications_create(notifications)


def director_films_notify(film_ids: Sequence[int]) -> int:
    """Alert the followers of each new film's directors (the catalogue's films-added listener)."""
    directions = Credit.objects.filter(film_id__in=list(film_ids), role=Credit.Role.DIRECTOR).values_list(
        "film_id", "person_id"
    )
    by_person: dict[int, list[int]] = {}
    for film_id, person_id in directions:
        by_person.setdefault(person_id, []).append(film_id)
    if not by_person:
        return 0
    follows = PersonFollow.objects.filter(_wants("director_new_film"), person_id__in=list(by_person)).values_list(
        "user_id", "person_id"
    )
    notifications = [
        Notification(
            user_id=user_id,
            kind=Notification.Kind.DIRECTOR_FILM,
            event_key=f"director:{person_id}:{film_id}",
            film_id=film_id,
            person_id=person_id,
        )
        for user_id, person_id in follows
        for film_id in by_person[person_id]
    ]
    return _notifications_create(notifications)


def _notifications_create(notifications: list[Notification]) -> int:
    """Insert the notifications whose event is new for their member; returns how many. The unique constraint
    on (member, event) settles a race between two refreshes: the loser's row is skipped."""
    if not notifications:
        return 0
    existing = set(
        Notification.objects.filter(
            user_id__in={n.user_id for n in notifications}, event_key__in={n.event_key for n in notifications}
        ).values_list("user_id", "event_key")
    )
    new = [n for n in notifications if (n.user_id, n.event_key) not in existing]
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def digest_period(*, digest: str, now: datetime.datetime) -> str:
    local = timezone.localtime(now)
    if digest == AlertSettings.Digest.WEEKLY:
        year, week, _day = local.isocalendar()
        return f"weekly:{year}-W{week:02d}"
    return f"daily:{local.date().isoformat()}"


def digest_unsubscribe_token(*, user) -> str:
    return signing.dumps(user.pk, salt=DIGEST_UNSUBSCRIBE_SALT)


def digest_unsubscribe_user(*, token: str):
    """The member a digest's unsubscribe token names, or ValidationError for a bad or forged token."""
    try:
        user_id = signing.loads(token[:200], salt=DIGEST_UNSUBSCRIBE_SALT)
    except signing.BadSignature as error:
        raise ValidationError("This unsubscribe link is not valid.") from error
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise ValidationError("This unsubscribe link is not valid.")
    return user


def digests_send(*, now: datetime.datetime | None = None) -> dict:
    """Mail each member who asked for a digest the notifications not mailed yet, once per period.

    Each member's digest is one transaction: claiming the period (a DigestDelivery row, unique per member
    and period) and marking the notifications mailed commit together, so a rerun sends nothing twice and a
    failed send is retried by the next run."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    report = {"sent": 0, "skipped": 0, "failed": 0}
    members = AlertSettings.objects.exclude(digest=AlertSettings.Digest.NONE).select_related("user")
    if local.isoweekday() != 1:  # weekly digests go out on Mondays
        members = members.filter(digest=AlertSettings.Digest.DAILY)
    for alert_settings in members.order_by("pk"):
        user = alert_settings.user
        if not user.email or not user.is_active:
            report["skipped"] += 1
            continue
        period = digest_period(digest=alert_settings.digest, now=now)
        try:
            with transaction.atomic():
                delivery, created = DigestDelivery.objects.get_or_create(user=user, period=period)
                if not created:
                    report["skipped"] += 1
                    continue
                pending = list(
                    Notification.objects.select_for_update(of=("self",))
                    .filter(user=user, emailed_at__isnull=True)
                    .select_related("film", "provider", "person")
                    .order_by("created_at", "pk")[:DIGEST_MAX_ITEMS]
                )
                if not pending:
                    transaction.set_rollback(True)  # nothing to say: the period stays unclaimed
                    report["skipped"] += 1
                    continue
                Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=now)
                delivery.notification_count = len(pending)
                delivery.save(update_fields=["notification_count"])
                _digest_mail(user=user, notifications=pending, digest=alert_settings.digest)
        except (OSError, smtplib.SMTPException):
            report["failed"] += 1
            continue
        report["sent"] += 1
    return report


def _digest_mail(*, user, notifications: list[Notification], digest: str) -> None:
    unsubscribe = settings.SITE_URL.rstrip("/") + reverse(
        "reviews:digest_unsubscribe", args=[digest_unsubscribe_token(user=user)]
    )
    context = {
        "user": user,
        "notifications": notifications,
        "digest": digest,
        "site_url": settings.SITE_URL.rstrip("/"),
        "unsubscribe_url": unsubscribe,
    }
    message = EmailMessage(
        subject=f"Your {digest} CineAesthete alerts ({len(notifications)})",
        body=render_to_string("reviews/digest_email.txt", context),
        to=[user.email],
        # One-click unsubscribe (RFC 8058): mail clients POST to the link without opening the site.
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.send()
