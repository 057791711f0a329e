"""Reads for ratings, diary, reviews, watchlists, lists, the feed, profiles and stats.

Each page's data comes from a fixed number of queries whatever the number of rows (asserted in tests).
Access helpers raise Http404 (private or missing) or PermissionDenied (someone else's) for views and API.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.postgres.aggregates import StringAgg
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import ExtractYear, Left
from django.http import Http404
from django.shortcuts import get_object_or_404

from catalog.models import Credit, Film
from catalog.selectors import availability_rank, member_service_ids, streamable, streaming_filter

from .models import (
    Activity,
    AlertSettings,
    DiaryEntry,
    FavouriteFilm,
    FilmList,
    FilmListEntry,
    Follow,
    Notification,
    PersonFollow,
    Rating,
    Report,
    Review,
    ReviewLike,
    WatchlistEntry,
)

User = get_user_model()

REVIEW_SORTS = {
    "recent": ("-created_at", "-id"),
    "popular": ("-like_count", "-created_at", "-id"),
    "highest": ("-stars", "-created_at", "-id"),
    "lowest": ("stars", "-created_at", "-id"),
}
WATCHLIST_SORTS = {
    "added": ("-added_at", "-id"),
    "priority": ("-priority", "-added_at", "-id"),
    "year": ("film__year", "film__title"),
    "runtime": (F("film__runtime_minutes").asc(nulls_last=True), "-added_at", "-id"),
    "availability": ("availability", "-added_at", "-id"),  # where the viewer can watch it, best first
    "predicted": None,  # ordered in Python by the recommender (member_watchlist)
}


def _member(user) -> bool:
    return bool(user and user.is_authenticated)


def _is_self(viewer, member) -> bool:
    return _member(viewer) and viewer.pk == member.pk


def visible_reviews(*, viewer) -> QuerySet[Review]:
    """Reviews ``viewer`` may read: every public one that moderators have not hidden, and their own (private or
    hidden: the author sees why)."""
    if _member(viewer):
        return Review.objects.filter(Q(is_private=False, is_hidden=False) | Q(user=viewer))
    return Review.objects.filter(is_private=False, is_hidden=False)


_REVIEW_WORD = re.compile(r"[a-z][a-z' -]{1,40}")


def review_words(*, film_ids: Iterable[int], words: Iterable[str], within: int = 1500) -> dict[int, list[str]]:
    """Which of ``words`` (lower-case words or short phrases) each film's public reviews use, as whole words in
    any case, the most used first: what a search can quote ("reviews: “dreamlike”, “hypnotic”"). Read in the
    first ``within`` characters of the film's public reviews, oldest first (what its review text embedding
    holds, and a bound on the work: ~2 ms for a page of films). One query; words with characters other than
    letters, apostrophes, hyphens and spaces are ignored."""
    wanted = sorted({word for word in words if _REVIEW_WORD.fullmatch(word)}, key=len, reverse=True)
    ids = sorted({int(film_id) for film_id in film_ids})
    if not wanted or not ids:
        return {}
    # The text is cut in the database, so a film with a thousand reviews costs what one with two does.
    bodies = (
        visible_reviews(viewer=None)
        .filter(film_id__in=ids)
        .values("film_id")
        .annotate(body=Left(StringAgg("text", " ", order_by="id"), within))
        .values_list("film_id", "body")
    )
    out: dict[int, list[str]] = {}
    for film_id, body in bodies:
        text = " ".join(body.lower().split())
        # A substring test first (C speed), whole words counted only for the words present: one alternation
        # over every word at every position costs milliseconds a page in Python's engine.
        counts = {
            word: count
            for word in wanted
            if word in text and (count := len(re.findall(rf"(?<![\w'-]){re.escape(word)}(?![\w'-])", text)))
        }
        if counts:
            out[film_id] = sorted(counts, key=lambda word: (-counts[word], word))
    return out


def public_ratings() -> QuerySet[Rating]:
    """Ratings anyone may see or count: neither private (from a private diary entry) nor hidden (a suspended
    member's). Every public statistic starts here, so none can forget one of the two."""
    return Rating.objects.filter(is_private=False, is_hidden=False)


def visible_ratings(*, member, viewer) -> QuerySet[Rating]:
    """A member's ratings as ``viewer`` sees them: all of them for the member, the public ones for others."""
    if _is_self(viewer, member):
        return Rating.objects.filter(user=member)
    return public_ratings().filter(user=member)


# --- access helpers -----------------------------------------------------------------------------------


def member_by_username(username: str):
    return get_object_or_404(User, username=username, is_active=True)


def review_for_author(*, user, review_id: int) -> Review:
    """A review its author may edit or delete: 404 when missing or someone else's private or hidden review
    (what the member cannot read does not exist for them), 403 when someone else's public one."""
    review = get_object_or_404(Review.objects.select_related("film", "user"), pk=review_id)
    if review.user_id != user.pk:
        if review.is_private or review.is_hidden:
            raise Http404("No such review.")
        raise PermissionDenied("Only the author can change a review.")
    return review


def review_for_viewer(*, viewer, review_id: int) -> Review:
    """A review as ``viewer`` may see it: a private one exists only for its author (404 for everyone else)."""
    return get_object_or_404(
        visible_reviews(viewer=viewer).select_related("user", "film", "film__poster"), pk=review_id
    )


def list_for_owner(*, user, list_id: int) -> FilmList:
    """A list its owner may change: 404 when missing or someone else's private list, 403 when another's."""
    film_list = get_object_or_404(FilmList.objects.select_related("user"), pk=list_id)
    if film_list.user_id != user.pk:
        if not film_list.is_public or film_list.is_hidden:
            raise Http404("No such list.")
        raise PermissionDenied("Only the owner can change a list.")
    return film_list


def list_for_viewer(*, viewer, owner_username: str, slug: str) -> FilmList:
    """A list as seen by ``viewer``: private and hidden lists exist only for their owner (404 for everyone else)."""
    film_list = get_object_or_404(FilmList.objects.select_related("user"), user__username=owner_username, slug=slug)
    if (not film_list.is_public or film_list.is_hidden) and not (_member(viewer) and viewer.pk == film_list.user_id):
        raise Http404("No such list.")
    return film_list


def list_for_reporting(*, viewer, list_id: int) -> FilmList:
    """A list ``viewer`` can see and so report: 404 for a missing, private or hidden list of someone else."""
    film_list = get_object_or_404(FilmList.objects.select_related("user"), pk=list_id)
    if (not film_list.is_public or film_list.is_hidden) and not _is_self(viewer, film_list.user):
        raise Http404("No such list.")
    return film_list


def open_report_exists(*, reporter, target) -> bool:
    """Whether ``reporter`` already has an open report of this review, list or member."""
    field = "review" if isinstance(target, Review) else "film_list" if isinstance(target, FilmList) else "member"
    return Report.objects.filter(reporter=reporter, status=Report.Status.OPEN, **{field: target}).exists()


def diary_entry_for_owner(*, user, entry_id: int) -> DiaryEntry:
    entry = get_object_or_404(DiaryEntry.objects.select_related("film"), pk=entry_id)
    if entry.user_id != user.pk:
        if entry.is_private or entry.is_hidden:  # what the member cannot see does not exist for them
            raise Http404("No such diary entry.")
        raise PermissionDenied("Only the member can change their diary.")
    return entry


# --- film page ----------------------------------------------------------------------------------------


def film_reviews(*, film: Film, sort: str = "recent", viewer=None) -> QuerySet[Review]:
    order = REVIEW_SORTS.get(sort, REVIEW_SORTS["recent"])
    reviews = visible_reviews(viewer=viewer).filter(film=film).select_related("user").order_by(*order)
    if sort in ("highest", "lowest"):
        reviews = reviews.filter(stars__isnull=False)
    if _member(viewer):
        reviews = reviews.annotate(viewer_liked=Exists(ReviewLike.objects.filter(review=OuterRef("pk"), user=viewer)))
    return reviews


@dataclass
class FilmMemberState:
    """What the signed-in member has done with a film (widget state)."""

    rating: Rating | None = None
    on_watchlist: bool = False
    times_logged: int = 0

    @property
    def stars(self):
        return self.rating.stars if self.rating else None

    @property
    def liked(self) -> bool:
        return bool(self.rating and self.rating.liked)


def film_member_state(*, film: Film, user) -> FilmMemberState:
    """One query: the member's rating, watchlist membership and viewing count for a film."""
    if not _member(user):
        return FilmMemberState()
    row = (
        Film.objects.filter(pk=film.pk)
        .annotate(
            rating_id=Subquery(Rating.objects.filter(film=OuterRef("pk"), user=user).values("pk")[:1]),
            on_watchlist=Exists(WatchlistEntry.objects.filter(film=OuterRef("pk"), user=user)),
            times_logged=Count("diary_entries", filter=Q(diary_entries__user=user)),
        )
        .values("rating_id", "on_watchlist", "times_logged")
        .first()
    )
    rating = Rating.objects.filter(pk=row["rating_id"]).first() if row and row["rating_id"] else None
    return FilmMemberState(rating=rating, on_watchlist=row["on_watchlist"], times_logged=row["times_logged"])


def watchlist_film_ids(*, user, film_ids) -> set[int]:
    """For film cards: which of these films are on the member's watchlist (one query)."""
    if not _member(user):
        return set()
    return set(WatchlistEntry.objects.filter(user=user, film_id__in=film_ids).values_list("film_id", flat=True))


# --- diary --------------------------------------------------------------------------------------------


def member_diary(*, member, viewer, year: int | None = None, month: int | None = None) -> QuerySet[DiaryEntry]:
    """The member's diary as ``viewer`` sees it; each entry's ``review_shown`` says whether the viewer may read its
    review (a public viewing can carry a private review: a Letterboxd import after "make entries private")."""
    entries = (
        DiaryEntry.objects.filter(user=member)
        .select_related("film", "film__poster", "review")
        .annotate(review_shown=Exists(visible_reviews(viewer=viewer).filter(pk=OuterRef("review_id"))))
    )
    if not (_member(viewer) and viewer.pk == member.pk):
        entries = entries.filter(is_private=False, is_hidden=False)
    if year:
        entries = entries.filter(watched_on__year=year)
        if month:
            entries = entries.filter(watched_on__month=month)
    return entries.order_by("-watched_on", "-id")


def diary_months(*, member, viewer) -> list[tuple[int, list[tuple[int, str, int]]]]:
    """Years (newest first) with their months that have entries: [(2024, [(3, "March", 5), …]), …]."""
    entries = DiaryEntry.objects.filter(user=member)
    if not (_member(viewer) and viewer.pk == member.pk):
        entries = entries.filter(is_private=False, is_hidden=False)
    counts = (
        entries.values_list("watched_on__year", "watched_on__month")
        .annotate(n=Count("id"))
        .order_by("-watched_on__year", "-watched_on__month")
    )
    years: dict[int, list[tuple[int, str, int]]] = {}
    for year, month, n in counts:
        years.setdefault(year, []).append((month, calendar.month_name[month], n))
    return list(years.items())


# --- watchlist ----------------------------------------------------------------------------------------


def watchlist_sorts() -> list[str]:
    return list(WATCHLIST_SORTS)


# How well films fit a member, as catalogue percentiles (1 = best fit). The recommender sits above this app,
# so it registers its scorer here when it starts (recommendations.apps); without one, "predicted" keeps the
# order in which films were added.
FilmFitScorer = Callable[..., Mapping[int, float]]
_film_fit_scorer: FilmFitScorer | None = None


def film_fit_scorer_register(scorer: FilmFitScorer) -> None:
    global _film_fit_scorer
    _film_fit_scorer = scorer


def _film_fit(*, user, film_ids: list[int]) -> Mapping[int, float]:
    return _film_fit_scorer(user=user, film_ids=film_ids) if _film_fit_scorer else {}


def member_watchlist(
    *,
    member,
    viewer=None,
    sort: str = "added",
    country: str = "",
    service_ids: Iterable[int] = (),
    streaming: str = "",
) -> list[WatchlistEntry]:
    """A member's whole watchlist; ``sort="predicted"`` puts the films the recommender thinks fit the viewer best first.

    Each entry then carries ``predicted`` (catalogue percentile, 0 to 1) and ``match_top_percent`` ("top 3%
    for you"), for the viewer's taste, never the member's (which their private ratings shape); films the model
    does not know yet, every film for a visitor, or every film when there is no model, keep added order.
    With a ``country``, each entry carries ``availability`` (catalog.selectors.AvailabilityRank: on the
    ``service_ids``, free, rent or buy, nowhere), computed in the query; ``sort="availability"`` orders by it
    and ``streaming`` ("mine", "free") keeps only the films that stream that way.
    Viewers other than the member get the entries without the notes the member has not shared.
    """
    rows = list(
        watchlist_entries(
            member=member, viewer=viewer, sort=sort, country=country, service_ids=service_ids, streaming=streaming
        )
    )
    return watchlist_shown(rows, member=member, viewer=viewer)


def watchlist_entries(
    *,
    member,
    viewer=None,
    sort: str = "added",
    country: str = "",
    service_ids: Iterable[int] = (),
    streaming: str = "",
) -> QuerySet[WatchlistEntry] | list[WatchlistEntry]:
    """The entries of ``member_watchlist`` in order, as a query to page through (sorted in SQL), or for
    ``sort="predicted"`` as a list ordered by the recommender for ``viewer``. Pass the rows shown through
    ``watchlist_shown``."""
    entries = WatchlistEntry.objects.filter(user=member).select_related("film", "film__poster")
    if country:
        entries = entries.annotate(
            availability=availability_rank(country=country, provider_ids=service_ids, film_ref="film")
        )
        condition = streaming_filter(value=streaming, country=country, provider_ids=service_ids, film_ref="film")
        if condition is not None:
            entries = entries.filter(condition)
    elif sort == "availability":
        sort = "added"
    if sort != "predicted":
        return entries.order_by(*(WATCHLIST_SORTS.get(sort) or WATCHLIST_SORTS["added"]))
    rows = list(entries.order_by("-added_at"))
    # The viewer's fit, as availability is the viewer's: the member's own scores come from all their ratings,
    # private ones too, so showing them to anyone else would tell what those ratings were.
    predictions = _film_fit(user=viewer, film_ids=[e.film_id for e in rows]) if _member(viewer) else {}
    for entry in rows:
        entry.predicted = predictions.get(entry.film_id)
        entry.match_top_percent = None if entry.predicted is None else max(1, round((1 - entry.predicted) * 100))
    rows.sort(key=lambda e: (e.predicted is None, -(e.predicted or 0)))
    return rows


def watchlist_shown(rows: Iterable[WatchlistEntry], *, member, viewer) -> list[WatchlistEntry]:
    """The rows as ``viewer`` may see them: another viewer gets no note the member has not shared."""
    rows = list(rows)
    if not _is_self(viewer, member):
        for entry in rows:
            if not entry.note_public:
                entry.note = ""
    return rows


def watchlist_availability_counts(
    *, member, country: str, service_ids: Iterable[int] = (), streaming: str = ""
) -> dict[int, int]:
    """{AvailabilityRank: how many of the member's entries stand there} for ``country`` and ``service_ids``
    (one query): the smart watchlist's group headings count the whole watchlist, not one page of it."""
    entries = watchlist_entries(
        member=member, sort="availability", country=country, service_ids=service_ids, streaming=streaming
    )
    return dict(entries.order_by().values("availability").annotate(n=Count("id")).values_list("availability", "n"))


# --- lists --------------------------------------------------------------------------------------------


def member_lists(*, member, viewer) -> QuerySet[FilmList]:
    lists = FilmList.objects.filter(user=member).annotate(film_count=Count("entries")).order_by("-updated_at")
    if not (_member(viewer) and viewer.pk == member.pk):
        lists = lists.filter(is_public=True, is_hidden=False)
    return lists


def list_entries(*, film_list: FilmList, viewer) -> tuple[list[FilmListEntry], int]:
    """The list's entries in order, each with ``seen`` for the viewer, and how many the viewer has seen."""
    entries = FilmListEntry.objects.filter(film_list=film_list).select_related("film", "film__poster")
    if _member(viewer):
        entries = entries.annotate(
            seen=Exists(Rating.objects.filter(film=OuterRef("film"), user=viewer))
            | Exists(DiaryEntry.objects.filter(film=OuterRef("film"), user=viewer))
        )
    entries = list(entries.order_by("position", "id"))
    seen_count = sum(1 for entry in entries if getattr(entry, "seen", False))
    return entries, seen_count


# --- social -------------------------------------------------------------------------------------------


def activity_rows(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    return activities.select_related("user", "film", "film__poster", "review", "film_list", "film_list__user")


def public_activities(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """Leave out what moderators hid: hidden reviews and lists, and everything of a suspended member."""
    return activities.filter(user__is_active=True).exclude(review__is_hidden=True).exclude(film_list__is_hidden=True)


def member_feed(*, user, limit: int = 50, before: datetime.datetime | None = None) -> list[Activity]:
    """Recent activity of the members ``user`` follows, newest first."""
    activities = public_activities(
        Activity.objects.filter(user__in=Follow.objects.filter(follower=user).values("followed"))
    )
    if before is not None:
        activities = activities.filter(created_at__lt=before)
    return list(activity_rows(activities).order_by("-created_at", "-id")[:limit])


def member_recent_activity(*, member, limit: int = 12) -> list[Activity]:
    activities = public_activities(Activity.objects.filter(user=member))
    return list(activity_rows(activities).order_by("-created_at", "-id")[:limit])


@dataclass
class ProfileCounts:
    films: int = 0
    this_year: int = 0
    reviews: int = 0
    lists: int = 0
    followers: int = 0
    following: int = 0
    watchlist: int = 0
    # Watchlist films streaming on the member's own services in ``country`` (only for the member: None else).
    on_services: int | None = None


def profile_counts(*, member, viewer, country: str = "") -> ProfileCounts:
    """All the profile's counts in one query (the member's own profile with a ``country``: one more for their
    services, so "available on my services" is an indexed EXISTS in that query)."""
    this_year = datetime.date.today().year
    own = _member(viewer) and viewer.pk == member.pk

    def count_of(queryset) -> Subquery:
        return Subquery(queryset.order_by().values("user").annotate(n=Count("*")).values("n")[:1])

    lists = FilmList.objects.filter(user=OuterRef("pk"))
    if not own:
        lists = lists.filter(is_public=True, is_hidden=False)
    diary = DiaryEntry.objects.filter(user=OuterRef("pk"))
    if not own:
        diary = diary.filter(is_private=False, is_hidden=False)
    diary_this_year = diary.filter(watched_on__year=this_year).values("user").annotate(n=Count("film", distinct=True))
    # Films logged but never rated (a diary entry without stars); rated films are counted from ratings.
    ratings = Rating.objects.filter(user=OuterRef("pk"))
    reviews = Review.objects.filter(user=OuterRef("pk"))
    if not own:
        ratings = ratings.filter(is_private=False, is_hidden=False)
        reviews = reviews.filter(is_private=False, is_hidden=False)
    rated = Rating.objects.filter(user=OuterRef("user"), film=OuterRef("film"))
    if not own:
        rated = rated.filter(is_private=False, is_hidden=False)
    diary_only = diary.filter(~Exists(rated)).values("user").annotate(n=Count("film", distinct=True))
    extra = {}
    if own and country:
        watchlist = WatchlistEntry.objects.filter(user=OuterRef("pk")).filter(
            streamable(country=country, provider_ids=member_service_ids(user=member), film_ref="film")
        )
        extra["n_on_services"] = count_of(watchlist)
    values = (
        User.objects.filter(pk=member.pk)
        .annotate(
            n_rated=count_of(ratings),
            n_diary_only=Subquery(diary_only.order_by().values("n")[:1]),
            n_year=Subquery(diary_this_year.order_by().values("n")[:1]),
            n_reviews=count_of(reviews),
            n_lists=count_of(lists),
            n_watchlist=count_of(WatchlistEntry.objects.filter(user=OuterRef("pk"))),
            n_followers=Subquery(
                Follow.objects.filter(followed=OuterRef("pk")).values("followed").annotate(n=Count("*")).values("n")
            ),
            n_following=Subquery(
                Follow.objects.filter(follower=OuterRef("pk")).values("follower").annotate(n=Count("*")).values("n")
            ),
            **extra,
        )
        .values(
            "n_rated",
            "n_diary_only",
            "n_year",
            "n_reviews",
            "n_lists",
            "n_watchlist",
            "n_followers",
            "n_following",
            *extra,
        )
        .get()
    )
    return ProfileCounts(
        films=(values["n_rated"] or 0) + (values["n_diary_only"] or 0),
        this_year=values["n_year"] or 0,
        reviews=values["n_reviews"] or 0,
        lists=values["n_lists"] or 0,
        followers=values["n_followers"] or 0,
        following=values["n_following"] or 0,
        watchlist=values["n_watchlist"] or 0,
        on_services=(values["n_on_services"] or 0) if extra else None,
    )


def member_favourites(*, member) -> list[Film]:
    return [fav.film for fav in FavouriteFilm.objects.filter(user=member).select_related("film", "film__poster")]


def is_following(*, follower, followed) -> bool:
    if not _member(follower) or follower.pk == followed.pk:
        return False
    return Follow.objects.filter(follower=follower, followed=followed).exists()


# --- stats --------------------------------------------------------------------------------------------


@dataclass
class Bar:
    label: str
    value: int


@dataclass
class MemberStats:
    films_per_year: list[Bar] = field(default_factory=list)
    rating_distribution: list[Bar] = field(default_factory=list)
    top_genres: list[Bar] = field(default_factory=list)
    top_directors: list[Bar] = field(default_factory=list)
    decades: list[Bar] = field(default_factory=list)
    total_films: int = 0
    mean_stars: float | None = None


def member_stats(*, member, viewer) -> MemberStats:
    """Films per (viewing) year, rating distribution, top genres, directors and decades of what they saw."""
    own = _member(viewer) and viewer.pk == member.pk
    diary = DiaryEntry.objects.filter(user=member)
    if not own:
        diary = diary.filter(is_private=False, is_hidden=False)
    ratings = visible_ratings(member=member, viewer=viewer)
    seen_ids = set(ratings.values_list("film_id", flat=True)) | set(diary.values_list("film_id", flat=True))
    stats = MemberStats(total_films=len(seen_ids))
    per_year = diary.annotate(y=ExtractYear("watched_on")).values_list("y").annotate(n=Count("id")).order_by("y")
    stats.films_per_year = [Bar(str(year), n) for year, n in per_year]
    stars = Counter(str(s) for s in ratings.filter(stars__isnull=False).values_list("stars", flat=True))
    # Someone who only ever gives whole stars (MovieLens, most imports) sees five bars, not ten with gaps.
    only_whole = all(label.endswith(".0") for label in stars)
    scale = [f"{n:.1f}" for n in range(1, 6)] if only_whole else [f"{n / 2:.1f}" for n in range(1, 11)]
    stats.rating_distribution = [Bar(label, stars.get(label, 0)) for label in scale]
    total = sum(stars.values())
    if total:
        stats.mean_stars = sum(float(label) * n for label, n in stars.items()) / total
    genres = (
        Film.genres.through.objects.filter(film_id__in=seen_ids)
        .values_list("genre__name")
        .annotate(n=Count("id"))
        .order_by("-n", "genre__name")[:10]
    )
    stats.top_genres = [Bar(name, n) for name, n in genres]
    directors = (
        Credit.objects.filter(film_id__in=seen_ids, role=Credit.Role.DIRECTOR)
        .values_list("person__name")
        .annotate(n=Count("film", distinct=True))
        .order_by("-n", "person__name")[:10]
    )
    stats.top_directors = [Bar(name, n) for name, n in directors]
    decades = Counter(
        year // 10 * 10
        for year in Film.objects.filter(pk__in=seen_ids, year__isnull=False).values_list("year", flat=True)
    )
    stats.decades = [Bar(f"{decade}s", decades[decade]) for decade in sorted(decades)]
    return stats


# --- The film page's rating summary ----------------------------------------------------------------


@dataclass(frozen=True)
class HistogramBin:
    stars: Decimal
    count: int
    percent: float  # of the tallest bin, for drawing bars


@dataclass(frozen=True)
class RatingSummary:
    count: int
    mean: float | None
    bins: list[HistogramBin]


HALF_STARS = tuple(Decimal(n) / 2 for n in range(1, 11))


def film_rating_summary(*, film: Film) -> RatingSummary:
    """Count, mean and the ten half-star bins from one GROUP BY over the index on rating(film, stars)."""
    counts = dict(
        public_ratings()
        .filter(film=film, stars__isnull=False)
        .order_by()
        .values_list("stars")
        .annotate(count=Count("*"))
    )
    total = sum(counts.values())
    tallest = max(counts.values(), default=0) or 1
    return RatingSummary(
        count=total,
        mean=float(sum(stars * count for stars, count in counts.items()) / total) if total else None,
        bins=[
            HistogramBin(
                stars=stars, count=counts.get(stars, 0), percent=round(100 * counts.get(stars, 0) / tallest, 1)
            )
            for stars in HALF_STARS
        ],
    )


# --- aspect ratings: the audience's averages and what a member values ------------------------------------

STRONG_ASPECT_STARS = 4.0  # a public audience average at or above this makes a film "strong" in the aspect
VALUED_ASPECT_MIN_RATINGS = 5  # films a member rated on an aspect (with stars) before we say they value it
VALUED_ASPECT_MIN_LIFT = 0.5  # stars above their own stars on the same films before an aspect is clearly valued


@dataclass(frozen=True)
class AspectAverage:
    aspect: str
    mean: float
    count: int


def film_aspect_averages(*, film: Film) -> list[AspectAverage]:
    """The audience's average for each aspect at least ``ASPECT_MIN_RATINGS`` members rated (one query).

    The rating summary's rule: a private rating (from a private diary entry) or a suspended member's never counts.
    """
    totals = (
        public_ratings()
        .filter(film=film)
        .aggregate(
            **{f"{aspect}_mean": Avg(aspect) for aspect in Rating.ASPECTS},
            **{f"{aspect}_count": Count(aspect) for aspect in Rating.ASPECTS},
        )
    )
    return [
        AspectAverage(aspect, float(totals[f"{aspect}_mean"]), totals[f"{aspect}_count"])
        for aspect in Rating.ASPECTS
        if totals[f"{aspect}_count"] >= max(settings.ASPECT_MIN_RATINGS, 1)
    ]


def films_strong_in(*, aspect: str, film_ids: Iterable[int] | None = None) -> set[int]:
    """Films whose public audience average for ``aspect`` is at least ``STRONG_ASPECT_STARS`` from at least
    ``ASPECT_MIN_RATINGS`` ratings (one GROUP BY; ``film_ids`` narrows it to candidates)."""
    if aspect not in Rating.ASPECTS:
        raise ValueError(f"Unknown aspect {aspect!r}; expected one of {', '.join(Rating.ASPECTS)}.")
    ratings = public_ratings().filter(**{f"{aspect}__isnull": False})
    if film_ids is not None:
        ratings = ratings.filter(film_id__in=list(film_ids))
    return set(
        ratings.order_by()
        .values("film_id")
        .annotate(aspect_mean=Avg(aspect), aspect_count=Count("*"))
        .filter(aspect_count__gte=max(settings.ASPECT_MIN_RATINGS, 1), aspect_mean__gte=STRONG_ASPECT_STARS)
        .values_list("film_id", flat=True)
    )


@dataclass(frozen=True)
class AspectValue:
    aspect: str
    lift: float  # mean stars above (or below) the member's own stars for the same films
    count: int  # films rated on both


@dataclass(frozen=True)
class MemberAspectValues:
    aspects: list[AspectValue] = field(default_factory=list)  # those with enough ratings, highest lift first

    @property
    def valued(self) -> AspectValue | None:
        """The aspect the member clearly values, or None (too few aspect ratings, or no clear lift)."""
        if self.aspects and self.aspects[0].lift >= VALUED_ASPECT_MIN_LIFT:
            return self.aspects[0]
        return None


def member_aspect_values(*, member) -> MemberAspectValues:
    """What a member values: per aspect, how far above their own star rating they rate it, film by film (one query).

    Compared on the same films rather than with their overall star average, so rating visuals only on the
    films they loved does not read as valuing visuals. Their private ratings count: this feeds only their own
    recommendations.
    """
    if not _member(member):
        return MemberAspectValues()
    rows = Rating.objects.filter(user=member, stars__isnull=False).values_list("stars", *Rating.ASPECTS)
    differences: dict[str, list[float]] = {aspect: [] for aspect in Rating.ASPECTS}
    for stars, *aspects in rows:
        for aspect, value in zip(Rating.ASPECTS, aspects, strict=True):
            if value is not None:
                differences[aspect].append(float(value) - float(stars))
    values = [
        AspectValue(aspect, sum(lifts) / len(lifts), len(lifts))
        for aspect, lifts in differences.items()
        if len(lifts) >= VALUED_ASPECT_MIN_RATINGS
    ]
    return MemberAspectValues(sorted(values, key=lambda value: -value.lift))


# --- taste compatibility -------------------------------------------------------------------------------

COMPATIBILITY_MIN_COMMON = 5  # fewer films rated in common say too little about two tastes


@dataclass
class FilmAgreement:
    film: Film
    mine: float
    theirs: float


@dataclass
class Compatibility:
    percent: int  # 100 = the same stars on every film both rated
    common: int
    agree: list[FilmAgreement]
    disagree: list[FilmAgreement]


def taste_compatibility(*, member, viewer, shown: int = 3) -> Compatibility | None:
    """How closely the viewer's stars match the member's on the films both rated (None below the minimum).

    The score is one minus the mean absolute difference in stars over the 4.5-star range, so it reads as
    "how close are our stars": two members who always differ by a star are 78% compatible. The films named are
    those both loved (closest stars, highest together) and those they disagree on most.
    """
    if not _member(viewer) or viewer.pk == member.pk:
        return None
    # Only the member's public ratings: a private diary entry's stars never reach another member.
    theirs = dict(public_ratings().filter(user=member, stars__isnull=False).values_list("film_id", "stars"))
    mine = dict(
        Rating.objects.filter(user=viewer, stars__isnull=False, film_id__in=list(theirs)).values_list(
            "film_id", "stars"
        )
    )
    if len(mine) < COMPATIBILITY_MIN_COMMON:
        return None
    pairs = {film_id: (float(stars), float(theirs[film_id])) for film_id, stars in mine.items()}
    difference = sum(abs(a - b) for a, b in pairs.values()) / len(pairs)
    agree_ids = sorted(pairs, key=lambda f: (abs(pairs[f][0] - pairs[f][1]), -(pairs[f][0] + pairs[f][1]), f))[:shown]
    disagree_ids = sorted(pairs, key=lambda f: (-abs(pairs[f][0] - pairs[f][1]), f))[:shown]
    disagree_ids = [f for f in disagree_ids if pairs[f][0] != pairs[f][1]]
    films = Film.objects.in_bulk(agree_ids + disagree_ids)
    return Compatibility(
        percent=round(100 * (1 - difference / 4.5)),
        common=len(pairs),
        agree=[FilmAgreement(films[f], *pairs[f]) for f in agree_ids],
        disagree=[FilmAgreement(films[f], *pairs[f]) for f in disagree_ids],
    )


# --- alerts -------------------------------------------------------------------------------------------

NOTIFICATIONS_SHOWN = 50


def unread_notification_count(*, user) -> int:
    """For the header's bell: one count on the partial index of unread notifications."""
    if not _member(user):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def member_notifications(*, user, limit: int = NOTIFICATIONS_SHOWN) -> list[Notification]:
    """The member's latest notifications with their film, provider and person (one query)."""
    return list(
        Notification.objects.filter(user=user)
        .select_related("film", "film__poster", "provider", "person")
        .order_by("-created_at", "-pk")[:limit]
    )


def alert_settings_for(*, user) -> AlertSettings:
    """The member's alert choices, or the defaults (unsaved) when they never changed them."""
    return AlertSettings.objects.filter(user=user).first() or AlertSettings(user=user)


def is_following_person(*, user, person_id: int) -> bool:
    return _member(user) and PersonFollow.objects.filter(user=user, person_id=person_id).exists()
