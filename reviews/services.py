"""Writes for ratings, diary, reviews, watchlists, lists, follows and favourites.

Views, API views, commands and the Letterboxd import all call these, so each behaviour has one code path.
Callers check access first (``reviews.selectors.*_for_author`` helpers); these functions trust the objects
they are given but validate values (stars in half steps, no self-follow) and raise ``ValidationError``.
Anything that changes a member's taste tells the recommender afterwards.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Case, Count, F, FloatField, OuterRef, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.text import slugify

from catalog.models import Film
from reviews.sentiment.services import rating_integrity_watch

from .models import (
    Activity,
    DiaryEntry,
    FavouriteFilm,
    FilmList,
    FilmListEntry,
    Follow,
    Rating,
    Review,
    ReviewLike,
    WatchlistEntry,
)

MAX_TAGS = 20


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


def review_sentiment_enqueue(*, review_id: int) -> None:
    """Audience sentiment analyses a new or edited review in a worker, once the transaction commits."""
    from reviews.sentiment.services import review_sentiment_enqueue as enqueue

    enqueue(review_id=review_id)


def film_sentiment_enqueue(*, film_id: int) -> None:
    """A deleted review's quotes leave the film's sentiment summary (recomputed in a worker)."""
    from reviews.sentiment.services import film_sentiment_enqueue as enqueue

    enqueue(film_id=film_id)


def film_rating_stats_refresh(*, film_ids: Iterable[int]) -> None:
    """Recount Film.rating_count/rating_mean for these films from their star ratings (one UPDATE)."""
    film_ids = list(film_ids)
    if not film_ids:
        return
    rated = Rating.objects.filter(film=OuterRef("pk"), stars__isnull=False).values("film")
    Film.objects.filter(pk__in=film_ids).update(
        rating_count=Coalesce(Subquery(rated.annotate(n=Count("*")).values("n")), 0),
        rating_mean=Subquery(rated.annotate(mean=Cast(Avg("stars"), FloatField())).values("mean")),
    )


def _film_stats_apply(*, film_id: int, old: Decimal | None, new: Decimal | None) -> None:
    """Fold one rating change into Film.rating_count/rating_mean in one UPDATE, without re-reading every
    rating of the film (a popular film has thousands). film_rating_stats_refresh recomputes exactly."""
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
    if rating.stars is not None:
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


def rating_set(*, user, film: Film, stars: object, aspects: Mapping[str, object] | None = None) -> Rating:
    """Set (or change) the member's stars for a film; ``stars=None`` clears them. Aspect ratings
    (story, acting, visuals, music) are set when given in ``aspects``; None clears one."""
    stars = parse_stars(stars)
    parsed_aspects: dict[str, Decimal | None] = {}
    for name, value in (aspects or {}).items():
        if name not in Rating.ASPECTS:
            raise ValidationError(f"Unknown aspect {name!r}.")
        parsed_aspects[name] = parse_stars(value)
    with transaction.atomic():
        rating, created = _locked_rating(user=user, film=film)
        old_stars = rating.stars
        rating.stars = stars
        for name, value in parsed_aspects.items():
            setattr(rating, name, value)
        rating.updated_at = timezone.now()
        if rating.is_empty:
            rating.delete()
        else:
            rating.save(update_fields=["stars", "updated_at", *parsed_aspects])
        if old_stars != stars:
            _film_stats_apply(film_id=film.pk, old=old_stars, new=stars)
            rating_integrity_watch(film_id=film.pk)
        _rating_activity(rating)
    return rating


def rating_clear(*, user, film: Film) -> None:
    """Remove the member's stars (and aspect ratings) for a film; a like stays."""
    rating_set(user=user, film=film, stars=None, aspects=dict.fromkeys(Rating.ASPECTS))


def like_set(*, user, film: Film, liked: bool) -> Rating:
    with transaction.atomic():
        rating, _ = _locked_rating(user=user, film=film)
        rating.liked = liked
        rating.updated_at = timezone.now()
        if rating.is_empty:
            rating.delete()
        else:
            rating.save(update_fields=["liked", "updated_at"])
        _rating_activity(rating)
    return rating


def like_toggle(*, user, film: Film) -> bool:
    """Flip the member's like of a film; returns whether the film is now liked."""
    liked = not Rating.objects.filter(user=user, film=film, liked=True).exists()
    like_set(user=user, film=film, liked=liked)
    return liked


# --- reviews ------------------------------------------------------------------------------------------


def _clean_review_text(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError("A review needs some text.")
    if len(text) > 20000:
        raise ValidationError("Reviews are limited to 20,000 characters.")
    return text


def review_create(
    *, user, film: Film, text: str, contains_spoilers: bool = False, created_at: datetime.datetime | None = None
) -> Review:
    text = _clean_review_text(text)
    stars = Rating.objects.filter(user=user, film=film).values_list("stars", flat=True).first()
    now = created_at or timezone.now()
    with transaction.atomic():
        review = Review.objects.create(
            user=user,
            film=film,
            text=text,
            contains_spoilers=contains_spoilers,
            stars=stars,
            created_at=now,
            updated_at=now,
        )
        _activity(
            user=user, kind=Activity.Kind.REVIEWED, key=f"review:{review.pk}", film=film, review=review, stars=stars
        )
        review_sentiment_enqueue(review_id=review.pk)
    return review


def review_update(*, review: Review, text: str, contains_spoilers: bool) -> Review:
    review.text = _clean_review_text(text)
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


def _clean_tags(tags: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        tag = " ".join(str(tag).split()).lower()[:50]
        if tag and tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError(f"At most {MAX_TAGS} tags.")
    return cleaned


def parse_tags(text: str) -> list[str]:
    return _clean_tags(text.split(","))


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
    is_private: bool = False,
) -> DiaryEntry:
    """Log a viewing. Stars given here also become the member's current rating (as on Letterboxd)."""
    stars = parse_stars(stars)
    if watched_on > timezone.localdate() + datetime.timedelta(days=1):
        raise ValidationError("The viewing date is in the future.")
    tags = _clean_tags(tags)
    with transaction.atomic():
        if stars is not None:
            rating_set(user=user, film=film, stars=stars)
        if liked:
            like_set(user=user, film=film, liked=True)
        review = None
        if review_text.strip():
            review = review_create(user=user, film=film, text=review_text, contains_spoilers=contains_spoilers)
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


def watchlist_add(
    *, user, film: Film, priority: int = WatchlistEntry.Priority.NORMAL, note: str = ""
) -> WatchlistEntry:
    if priority not in WatchlistEntry.Priority.values:
        raise ValidationError("Unknown priority.")
    entry, created = WatchlistEntry.objects.get_or_create(
        user=user, film=film, defaults={"priority": priority, "note": note[:500]}
    )
    if not created and (entry.priority != priority or (note and entry.note != note)):
        entry.priority = priority
        entry.note = note[:500] or entry.note
        entry.save(update_fields=["priority", "note"])
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


def watchlist_update(*, entry: WatchlistEntry, priority: int, note: str) -> WatchlistEntry:
    if priority not in WatchlistEntry.Priority.values:
        raise ValidationError("Unknown priority.")
    entry.priority = priority
    entry.note = note[:500]
    entry.save(update_fields=["priority", "note"])
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


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError("A list needs a title.")
    return title[:200]


def _list_touched(film_list: FilmList) -> None:
    film_list.updated_at = timezone.now()
    FilmList.objects.filter(pk=film_list.pk).update(updated_at=film_list.updated_at)
    if film_list.is_public:
        _activity(user=film_list.user, kind=Activity.Kind.LISTED, key=f"list:{film_list.pk}", film_list=film_list)
    else:
        _activity_forget(user=film_list.user, key=f"list:{film_list.pk}")


def list_create(*, user, title: str, description: str = "", is_public: bool = True) -> FilmList:
    title = _clean_title(title)
    with transaction.atomic():
        film_list = FilmList.objects.create(
            user=user,
            title=title,
            slug=_unique_list_slug(user=user, title=title),
            description=description.strip(),
            is_public=is_public,
        )
        _list_touched(film_list)
    return film_list


def list_update(*, film_list: FilmList, title: str, description: str, is_public: bool) -> FilmList:
    title = _clean_title(title)
    with transaction.atomic():
        if title != film_list.title:
            film_list.slug = _unique_list_slug(user=film_list.user, title=title, exclude_pk=film_list.pk)
        film_list.title = title
        film_list.description = description.strip()
        film_list.is_public = is_public
        film_list.save(update_fields=["title", "slug", "description", "is_public"])
        _list_touched(film_list)
    return film_list


def list_delete(*, film_list: FilmList) -> None:
    film_list.delete()


def list_add(*, film_list: FilmList, film: Film, note: str = "", position: int | None = None) -> FilmListEntry:
    """Add a film at the end (or at ``position``); a film already in the list keeps its place."""
    with transaction.atomic():
        FilmList.objects.select_for_update().filter(pk=film_list.pk).first()
        existing = FilmListEntry.objects.filter(film_list=film_list, film=film).first()
        if existing:
            if note and note != existing.note:
                existing.note = note[:1000]
                existing.save(update_fields=["note"])
            return existing
        last = FilmListEntry.objects.filter(film_list=film_list).order_by("-position").first()
        end = last.position + 1 if last else 1
        entry = FilmListEntry.objects.create(
            film_list=film_list, film=film, note=note[:1000], position=end if position is None else position
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
    entry.note = note[:1000]
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


def follow(*, follower, followed) -> Follow:
    if follower.pk == followed.pk:
        raise ValidationError("You cannot follow yourself.")
    relation, _ = Follow.objects.get_or_create(follower=follower, followed=followed)
    return relation


def unfollow(*, follower, followed) -> bool:
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
