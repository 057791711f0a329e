"""Every URL of the site and the API, with hostile path values, query strings and bodies: never a 5xx, and a
4xx writes nothing.

The URL patterns come from the URLconf itself, so a new view is covered the day it is added. Each path
parameter is filled with a real object's id (so the view gets past its lookups) and with hostile values (NUL,
letters, "²", a number beyond 64 bits, 10,000 characters); each URL is sent GET with a hostile query string,
POST with a hostile form and JSON bodies, PUT/PATCH with a JSON list and DELETE, as an anonymous visitor and
as a signed-in member. After a 4xx, every table's content must be what it was before the request.

The same walk sends every URL POST, PUT, PATCH and DELETE without a CSRF token as a signed-in member: nothing
may change.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from reviews import services
from tests.factories import make_film

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

HUGE = "9" * 25
LONG = "x" * 10000
NUL = "\x00"
HOSTILE_SEGMENTS = ["abc", "²", HUGE, NUL, LONG, "0"]
HOSTILE_QUERY = {
    name: value
    for name, value in [
        ("q", NUL),
        ("page", "²"),
        ("film", "abc"),
        ("film_id", HUGE),
        ("author", "x" * 300),
        ("owner", "²"),
        ("sort", LONG),
        ("year", "99999"),
        ("decade", "²"),
        ("genre", "-1"),
        ("mood", "\x00x"),
        ("next", "//evil.example/"),
        ("ordering", "²"),
        ("format", "xml"),
        ("image", HUGE),
    ]
}
FORM_FIELDS = [
    "film", "list", "note", "title", "description", "stars", "position", "films", "text", "tags", "priority",
    "watched_on", "review_text", "q", "username", "password", "email", "login", "action", "file", "film_id",
    "story", "acting", "visuals", "music", "liked", "is_public", "reason", "query", "image", "next",
]  # fmt: skip
FORM_VALUES = [NUL, "²", "abc", HUGE, LONG, "-1"]
JSON_BODIES = [[1, 2], {name: NUL for name in FORM_FIELDS}, {name: [HUGE] for name in FORM_FIELDS}, "²", None]
# Django's own tables: sessions change on any request by design, the rest never change at run time. The
# shared cache table holds rate-limit counters, which count refused requests too (that is their job).
FRAMEWORK_TABLES = ("django_", "auth_permission", "auth_group_permissions", "cineaesthete_cache")
PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>[^)]*\)")


def url_patterns(patterns=None, prefix: str = ""):
    """(route, name) for every pattern, routes joined from their resolvers; DRF's format-suffix twins skipped."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and "<format>" not in route and "(?P<format>" not in route:
            yield route, pattern.name


def fill(route: str, values: dict[str, str]) -> str:
    path = PARAM.sub(lambda match: quote(values[match["name"] or match["group"]], safe=""), route)
    return "/" + path.replace("^", "").replace("$", "").replace("\\", "").replace("/?", "/")


def param_names(route: str) -> list[str]:
    return [match["name"] or match["group"] for match in PARAM.finditer(route)]


@pytest.fixture
def world(alice, bob):
    """A small site: films, ratings, reviews, a diary, lists and a follow, owned by alice and by bob."""
    film = make_film("Alien", year=1979)
    other = make_film("Heat", year=1995)
    for member, text in ((alice, "Alice's words"), (bob, "Bob's words")):
        services.rating_set(user=member, film=film, stars=4)
        services.diary_log(user=member, film=film, watched_on=datetime.date(2024, 5, 1), review_text=text)
        film_list = services.list_create(user=member, title=f"{member.username} picks")
        services.list_add(film_list=film_list, film=film, note="First")
        services.list_add(film_list=film_list, film=other)
        services.watchlist_add(user=member, film=other, note="Later")
    services.follow_create(follower=alice, followed=bob)
    return {"alice": alice, "bob": bob, "film": film}


def real_values(route: str, world) -> dict[str, str]:
    """Path values naming objects that exist, so views reach their forms and services."""
    bob = world["bob"]
    review = bob.reviews.get()
    ids = {
        "film": world["film"].pk,
        "review": review.pk,
        "list": bob.film_lists.get().pk,
        "diary": bob.diary_entries.get().pk,
        "people": 1,
        "staff": 1,
        "import": 1,
        "vibe": 1,
        "recommendations": world["film"].pk,
    }
    resource = next((word for word in re.findall(r"[a-z]+", route.replace("api/", "")) if word in ids), "film")
    values = {
        "username": bob.username,
        "slug": bob.film_lists.get().slug,
        "year": "2024",
        "month": "5",
        "path": "nothing-here.jpg",
        "key": "abc",
        "uidb36": "1",
    }
    return {name: values.get(name, str(ids[resource])) for name in param_names(route)}


def table_state() -> dict[str, str]:
    """A digest of every table's content, in one query."""
    tables = sorted(t for t in connection.introspection.table_names() if not t.startswith(FRAMEWORK_TABLES))
    columns = ", ".join(
        f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {connection.ops.quote_name(table)} t)"
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def hostile_form(shift: int) -> dict[str, str]:
    return {name: FORM_VALUES[(n + shift) % len(FORM_VALUES)] for n, name in enumerate(FORM_FIELDS)}


def requests_for(url: str, *, hostile_path: bool):
    """(method, url, keyword arguments for the test client) for one URL."""
    yield "get", url, {"data": HOSTILE_QUERY}
    yield "post", url, {"data": hostile_form(0)}
    if hostile_path:
        return
    # Every field gets every hostile value once (one form per shift): with a single form, "film" was only ever
    # NUL, which the middleware refuses before any view, and a view that passed "abc" to a lookup went unseen.
    for shift in range(1, len(FORM_VALUES)):
        if FORM_VALUES[shift] != NUL:
            yield "post", url, {"data": hostile_form(shift)}
    yield "post", url, {"data": {name: NUL for name in FORM_FIELDS}}
    for body in JSON_BODIES:
        yield "post", url, {"data": json.dumps(body), "content_type": "application/json"}
    yield "post", url, {"data": b"{not json", "content_type": "application/json"}
    yield "put", url, {"data": json.dumps([1, 2]), "content_type": "application/json"}
    yield "patch", url, {"data": json.dumps({"text": NUL, "note": NUL}), "content_type": "application/json"}
    yield "delete", url, {"data": json.dumps({"film": "abc"}), "content_type": "application/json"}


def test_every_url_refuses_hostile_input_without_a_5xx_or_a_write(world, caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")  # thousands of expected 4xx warnings
    routes = list(url_patterns())
    assert len(routes) > 100, "the URLconf walk found too few patterns"
    failures: list[str] = []
    requests = 0
    before = table_state()
    for viewer in (None, world["alice"]):
        client = Client(raise_request_exception=False)
        if viewer is not None:
            client.force_login(viewer)
            before = table_state()  # signing in records the time of the login
        for route, name in routes:
            urls = [(fill(route, real_values(route, world)), False)]
            # Django's admin gets fewer hostile path values: it is not our code, and has 130 patterns.
            for value in HOSTILE_SEGMENTS[:2] if route.startswith("admin/") else HOSTILE_SEGMENTS:
                if param_names(route):
                    urls.append((fill(route, dict.fromkeys(param_names(route), value)), True))
            for url, hostile_path in urls:
                for method, target, arguments in requests_for(url, hostile_path=hostile_path):
                    # A POST to allauth's log-out page signs the member out; every later URL would then be
                    # tried as a visitor, and the member-only views behind login_required never reached.
                    if viewer is not None and client.session.get("_auth_user_id") != str(viewer.pk):
                        client.force_login(viewer)
                        before = table_state()
                    cache.clear()  # rate limits would otherwise answer 429 before the view runs
                    response = getattr(client, method)(target, **arguments)
                    requests += 1
                    who = viewer.username if viewer else "anonymous"
                    label = f"{who} {method.upper()} {name} {target[:80]!r}"
                    after = table_state()
                    if response.status_code >= 500:
                        failures.append(f"{label}: {response.status_code}")
                    elif 400 <= response.status_code < 500:
                        changed = [t for t, digest in after.items() if before.get(t) != digest]
                        if changed:
                            failures.append(f"{label}: {response.status_code} but wrote to {changed}")
                    before = after
    assert not failures, f"{len(failures)} of {requests} hostile requests failed:\n" + "\n".join(failures[:80])


# A forged cross-site form carries the member's session cookie but not the CSRF token. The one deliberate
# exemption is the digest's unsubscribe link, whose signed token is the credential (a mail client's one-click
# unsubscribe has no session); here it gets a bad token, and tests/reviews/test_alerts.py a good one.
CSRF_FORM = {"film": "1", "stars": "4.0", "title": "Forged", "text": "Forged", "list": "1", "action": "unfollow"}


def test_no_unsafe_request_without_a_csrf_token_writes_anything(world, caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")
    alice = world["alice"]
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(alice)
    before = table_state()
    failures: list[str] = []
    routes = [(route, name) for route, name in url_patterns() if not route.startswith("admin/")]
    for route, name in routes:
        url = fill(route, real_values(route, world))
        for method in ("post", "put", "patch", "delete"):
            if client.session.get("_auth_user_id") != str(alice.pk):  # a forged log-out would be a failure too
                failures.append(f"signed out before {method.upper()} {name} {url}")
                client.force_login(alice)
                before = table_state()
            cache.clear()
            response = getattr(client, method)(url, CSRF_FORM if method == "post" else None)
            after = table_state()
            changed = [table for table, digest in after.items() if before.get(table) != digest]
            if changed or response.status_code >= 500:
                failures.append(f"{method.upper()} {name} {url}: {response.status_code}, wrote to {changed}")
            before = after
    assert not failures, "\n".join(failures)
