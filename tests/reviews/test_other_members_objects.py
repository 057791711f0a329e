"""Every URL that names a member's own thing by id refuses another member, and writes nothing.

alice owns one of each thing a URL can name (reviews, lists, diary entries, a Letterboxd import), public and
private or hidden; bob, signed in, tries every route on each. A thing bob cannot see (private, hidden, or only
ever alice's, like her import) does not exist for him: 404, never a 403 that tells him it is there. A thing he
can see but not change is a 403 or a 404. In no case does any row change.

The last test walks the URLconf: a new route that takes an id must be listed here (or among the routes whose
ids name shared things, such as films), so it cannot be added without this check.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from reviews import moderation, services
from reviews.models import (
    DiaryEntry,
    FilmList,
    FilmListEntry,
    LetterboxdImport,
    Rating,
    Report,
    Review,
    ReviewLike,
    WatchlistEntry,
)
from tests.factories import make_film, make_member

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 5, 1)


@pytest.fixture
def things(alice, bob):
    """alice's things, by name; bob has a film on his watchlist and a rating, so his own routes have rows."""
    staff = make_member("moderator", is_staff=True)
    film, other = make_film("Solaris", year=1972), make_film("Mirror", year=1975)
    public_review = services.review_create(user=alice, film=film, text="Public words")
    private_review = services.diary_log(
        user=alice, film=film, watched_on=TODAY, stars="2", review_text="Secret words", is_private=True
    ).review
    hidden_review = services.review_create(user=alice, film=other, text="Hidden words")
    moderation.content_hide(content=hidden_review, reason="spam", staff=staff)
    public_list = services.list_create(user=alice, title="Public list")
    private_list = services.list_create(user=alice, title="Private list", is_public=False)
    hidden_list = services.list_create(user=alice, title="Hidden list")
    moderation.content_hide(content=hidden_list, reason="spam", staff=staff)
    for film_list in (public_list, private_list, hidden_list):
        services.list_add(film_list=film_list, film=film)
        services.list_add(film_list=film_list, film=other)
    public_entry = services.diary_log(user=alice, film=other, watched_on=TODAY, stars="4", is_private=False)
    private_entry = DiaryEntry.objects.get(review=private_review)
    hidden_entry = services.diary_log(user=alice, film=other, watched_on=TODAY, is_private=False)
    moderation.content_hide(content=hidden_entry, reason="spam", staff=staff)
    letterboxd_import = LetterboxdImport.objects.create(
        user=alice, state=LetterboxdImport.State.DONE, report={"unmatched": [{"name": "Solaris", "rows": []}]}
    )
    services.watchlist_add(user=alice, film=film, note="alice's note")
    services.watchlist_add(user=bob, film=other)
    services.rating_set(user=bob, film=other, stars="3")
    return {
        "film": film,
        "other": other,
        "public_review": public_review,
        "private_review": private_review,
        "hidden_review": hidden_review,
        "public_list": public_list,
        "private_list": private_list,
        "hidden_list": hidden_list,
        "public_entry": public_entry,
        "private_entry": private_entry,
        "hidden_entry": hidden_entry,
        "import": letterboxd_import,
    }


def _rows() -> dict:
    """Every row an attack could change, as plain values."""
    return {
        model.__name__: sorted(map(repr, model.objects.order_by("pk").values()))
        for model in (Review, ReviewLike, Report, FilmList, FilmListEntry, DiaryEntry, Rating, WatchlistEntry)
    } | {"LetterboxdImport": sorted(map(repr, LetterboxdImport.objects.values("pk", "user_id", "state", "report")))}


REVIEWS = ("public_review", "private_review", "hidden_review")
LISTS = ("public_list", "private_list", "hidden_list")
ENTRIES = ("public_entry", "private_entry", "hidden_entry")


def _review_attempts(t, name):
    review = t[name]
    yield "GET", reverse("reviews:review_edit", args=[review.pk]), {}
    yield "POST", reverse("reviews:review_edit", args=[review.pk]), {"text": "bob was here"}
    yield "POST", reverse("reviews:review_delete", args=[review.pk]), {}
    if name != "public_review":  # liking and reporting a review one can read is allowed
        yield "GET", reverse("reviews:review_detail", args=[review.pk]), {}
        yield "POST", reverse("reviews:review_like", args=[review.pk]), {}
        yield "GET", reverse("reviews:report_review", args=[review.pk]), {}
        yield "POST", reverse("reviews:report_review", args=[review.pk]), {"reason": "spam"}
        yield "GET", f"/api/reviews/{review.pk}/", None
        yield "POST", f"/api/reviews/{review.pk}/like/", None
    yield "PUT", f"/api/reviews/{review.pk}/", {"text": "bob was here"}
    yield "PATCH", f"/api/reviews/{review.pk}/", {"text": "bob was here"}
    yield "DELETE", f"/api/reviews/{review.pk}/", None


def _list_attempts(t, name):
    film_list, film, other = t[name], t["film"], t["other"]
    yield "GET", reverse("reviews:list_edit", args=[film_list.pk]), {}
    yield "POST", reverse("reviews:list_edit", args=[film_list.pk]), {"title": "bob's now", "is_public": "on"}
    yield "POST", reverse("reviews:list_delete", args=[film_list.pk]), {}
    yield "POST", reverse("reviews:list_add"), {"list": film_list.pk, "film": film.pk}
    yield "POST", reverse("reviews:list_remove", args=[film_list.pk]), {"film": film.pk}
    yield "POST", reverse("reviews:list_reorder", args=[film_list.pk]), {"films": [other.pk, film.pk]}
    yield "POST", reverse("reviews:list_move", args=[film_list.pk]), {"film": other.pk, "position": "1"}
    if name != "public_list":
        yield "GET", film_list.get_absolute_url(), {}
        yield "GET", reverse("reviews:report_list", args=[film_list.pk]), {}
        yield "POST", reverse("reviews:report_list", args=[film_list.pk]), {"reason": "spam"}
        yield "GET", f"/api/lists/{film_list.pk}/", None
    yield "PUT", f"/api/lists/{film_list.pk}/", {"title": "bob's now", "is_public": True}
    yield "PATCH", f"/api/lists/{film_list.pk}/", {"title": "bob's now"}
    yield "DELETE", f"/api/lists/{film_list.pk}/", None
    yield "POST", f"/api/lists/{film_list.pk}/entries/", {"film": other.pk}
    yield "DELETE", f"/api/lists/{film_list.pk}/entries/", {"film": film.pk}
    yield "POST", f"/api/lists/{film_list.pk}/reorder/", {"films": [other.pk, film.pk]}


def _entry_attempts(t, name):
    entry = t[name]
    yield "POST", reverse("reviews:diary_delete", args=[entry.pk]), {}
    # The API's diary is the signed-in member's own: anyone else's entry is not in it at all.
    yield "GET", f"/api/me/diary/{entry.pk}/", None
    yield "DELETE", f"/api/me/diary/{entry.pk}/", None


def _import_attempts(t, name):
    record = t[name]
    yield "GET", reverse("reviews:letterboxd_import_detail", args=[record.pk]), {}
    yield "POST", reverse("reviews:letterboxd_import_pick", args=[record.pk]), {"entry": "0", "film": t["film"].pk}


def _own_rows_attempts(t, name):
    # Addressed by film: bob can only ever reach his own rating and watchlist entry, never alice's.
    film = t["film"]
    yield "POST", reverse("reviews:watchlist_edit", args=[film.pk]), {"priority": "3", "note": "bob"}
    yield "PATCH", f"/api/me/watchlist/{film.pk}/", {"note": "bob"}
    yield "DELETE", f"/api/me/watchlist/{film.pk}/", None
    yield "GET", f"/api/me/watchlist/{film.pk}/", None


ATTEMPTS = [
    *((name, _review_attempts) for name in REVIEWS),
    *((name, _list_attempts) for name in LISTS),
    *((name, _entry_attempts) for name in ENTRIES),
    ("import", _import_attempts),
    ("alice's watchlist entry", _own_rows_attempts),
]


@pytest.mark.parametrize(("name", "attempts"), ATTEMPTS, ids=[name for name, _ in ATTEMPTS])
def test_another_member_cannot_reach_or_change_a_members_things(things, bob, name, attempts):
    client = APIClient()
    client.force_login(bob)
    before = _rows()
    # What bob cannot see does not exist for him; what he can see he cannot change.
    unseen = not name.startswith("public_")
    for method, url, data in attempts(things, name):
        if url.startswith("/api/"):
            response = client.generic(method, url, *([] if data is None else [_json(data), "application/json"]))
        else:
            response = getattr(client, method.lower())(url, data)
        allowed = {404} if unseen else {403, 404}
        assert response.status_code in allowed, f"{method} {url}: {response.status_code}"
    assert _rows() == before


def _json(data) -> str:
    import json

    return json.dumps(data)


# Routes whose id names something every member shares (a film, a person, an analysed image), or which only
# staff reach, or which name the member's own row by film (tested above).
SHARED_ID_ROUTES = {
    "catalog:film_detail",
    "catalog:person_detail",
    "catalog:tmdb_import",  # filtered to the member's own job: tests/catalog/test_tmdb_member_add.py
    "aesthetics:more_like_image",
    "recommendations:feedback",
    "reviews:rate",
    "reviews:like",
    "reviews:watchlist_toggle",
    "reviews:diary_log",
    "reviews:film_reviews",
    "reviews:review_new",
    "reviews:person_follow",
    "reviews:diary_year",
    "reviews:diary_month",
    "core:job_detail",
    "core:job_retry",
    "film-detail",
    "person-detail",
    "rating-detail",  # the signed-in member's own rating of a film; nobody else's is reachable
}
TESTED_ROUTES = {
    "reviews:review_detail",
    "reviews:review_edit",
    "reviews:review_delete",
    "reviews:review_like",
    "reviews:report_review",
    "reviews:report_list",
    "reviews:diary_delete",
    "reviews:list_edit",
    "reviews:list_delete",
    "reviews:list_remove",
    "reviews:list_reorder",
    "reviews:list_move",
    "reviews:letterboxd_import_detail",
    "reviews:letterboxd_import_pick",
    "reviews:watchlist_edit",
    "review-detail",
    "review-like",
    "list-detail",
    "list-entries",
    "list-reorder",
    "diary-detail",
    "watchlist-detail",
}


def _named_routes(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            yield from _named_routes(pattern.url_patterns, prefix + namespace)
        else:
            yield prefix + (pattern.name or ""), str(pattern.pattern)


def test_every_route_that_takes_an_id_is_checked_here():
    with_ids = {
        name
        for name, route in _named_routes(get_resolver().url_patterns)
        if not name.startswith("admin:") and ("<int:" in route or "(?P<pk>" in route or "(?P<film_id>" in route)
    }
    assert with_ids - SHARED_ID_ROUTES - TESTED_ROUTES == set()
