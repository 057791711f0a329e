"""/api/token/ makes the web login's checks, and an unverified account cannot write through the API."""

from __future__ import annotations

import re

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cineaesthete import api_urls
from reviews.models import DiaryEntry, FilmList, Follow, Rating, Review, WatchlistEntry
from tests.factories import make_member

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/token/"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def api():
    return APIClient()


def written_rows() -> int:
    models = (Rating, Review, DiaryEntry, WatchlistEntry, FilmList, Follow, Token)
    return sum(model.objects.count() for model in models)


def test_a_verified_member_gets_a_token_by_username_or_email(api, alice):
    by_name = api.post(TOKEN_URL, {"username": "alice", "password": PASSWORD})
    by_email = api.post(TOKEN_URL, {"username": "alice@example.com", "password": PASSWORD})
    assert by_name.status_code == by_email.status_code == 200
    assert by_name.json()["token"] == by_email.json()["token"] == Token.objects.get(user=alice).key


def test_forty_wrong_passwords_are_rate_limited_and_then_even_the_right_one_is_refused(api, alice):
    codes = [api.post(TOKEN_URL, {"username": "alice", "password": f"guess-{n}"}).status_code for n in range(40)]
    assert set(codes) <= {400, 429}
    # allauth allows 5 failures per account in 5 minutes (and 10 per address per minute).
    assert codes[:5] == [400] * 5 and codes[5:] == [429] * 35
    assert api.post(TOKEN_URL, {"username": "alice", "password": PASSWORD}).status_code == 429
    assert not Token.objects.exists()


def test_guessing_across_many_accounts_from_one_address_is_rate_limited(api):
    members = [make_member(f"member{n}") for n in range(12)]
    codes = [api.post(TOKEN_URL, {"username": m.username, "password": "wrong"}).status_code for m in members]
    assert codes[:10] == [400] * 10 and codes[10:] == [429, 429]


def test_a_right_password_does_not_reset_the_failure_count(api, alice):
    for n in range(4):
        assert api.post(TOKEN_URL, {"username": "alice", "password": f"guess-{n}"}).status_code == 400
    assert api.post(TOKEN_URL, {"username": "alice", "password": PASSWORD}).status_code == 200
    assert api.post(TOKEN_URL, {"username": "alice", "password": "guess-4"}).status_code == 400
    assert api.post(TOKEN_URL, {"username": "alice", "password": "guess-5"}).status_code == 429


def test_an_unverified_account_gets_no_token(api):
    make_member("carol", email_verified=False)
    response = api.post(TOKEN_URL, {"username": "carol", "password": PASSWORD})
    assert response.status_code == 403
    assert "verify" in response.json()["detail"].lower()
    assert not Token.objects.exists()


def test_an_unverified_account_with_the_wrong_password_learns_nothing_more(api):
    make_member("carol", email_verified=False)
    response = api.post(TOKEN_URL, {"username": "carol", "password": "wrong"})
    assert response.status_code == 400
    assert "verify" not in response.content.decode().lower()


def test_an_inactive_account_gets_no_token(api):
    make_member("dormant", is_active=False)
    assert api.post(TOKEN_URL, {"username": "dormant", "password": PASSWORD}).status_code in (400, 403)
    assert not Token.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": "alice"},
        {"password": PASSWORD},
        {"username": "alice\x00", "password": PASSWORD},
        {"username": "alice", "password": "correct\x00horse"},
        {"username": "a" * 300, "password": PASSWORD},
        ["alice", PASSWORD],
        "alice",
    ],
)
def test_malformed_requests_are_400_and_write_nothing(api, alice, body):
    assert api.post(TOKEN_URL, body, format="json").status_code == 400
    assert not Token.objects.exists()


def test_get_is_not_allowed(api, alice):
    assert api.get(TOKEN_URL).status_code == 405


def test_an_unverified_member_cannot_post_a_review_with_a_token_made_another_way(api, film):
    carol = make_member("carol", email_verified=False)
    token = Token.objects.create(user=carol)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/me/").json()["username"] == "carol"  # reading is fine
    response = api.post("/api/reviews/", {"film_id": film.pk, "text": "Tense."})
    assert response.status_code == 403
    assert not Review.objects.exists()


def test_verifying_the_address_lets_the_same_token_write(api, film):
    from allauth.account.models import EmailAddress

    carol = make_member("carol", email_verified=False)
    token = Token.objects.create(user=carol)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    EmailAddress.objects.create(user=carol, email=carol.email, primary=True, verified=True)
    assert api.post("/api/reviews/", {"film_id": film.pk, "text": "Tense."}).status_code == 201


def test_with_verification_optional_an_unverified_member_may_write(api, film, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"
    make_member("carol", email_verified=False)
    token = api.post(TOKEN_URL, {"username": "carol", "password": PASSWORD}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.post("/api/reviews/", {"film_id": film.pk, "text": "Tense."}).status_code == 201


def _api_write_paths() -> list[str]:
    """Every API route, its path parameters filled with plausible values (the check runs before any lookup)."""
    patterns = [*api_urls.router.urls, *api_urls.urlpatterns[:-1]]
    paths = set()
    for pattern in patterns:
        regex = pattern.pattern.regex.pattern
        if "format" in regex:
            continue  # the .json/.api suffix variants of the same routes
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: "alice" if m.group(1) == "username" else "1", regex)
        paths.add("/api/" + path.removesuffix("\\Z").strip("^$").replace("\\", ""))
    paths.discard(TOKEN_URL)
    return sorted(paths)


@pytest.mark.parametrize("auth", ["token", "session"])
def test_no_api_route_accepts_a_write_from_an_unverified_account(api, film, auth):
    carol = make_member("carol", email_verified=False)
    if auth == "token":
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=carol).key}")
    else:
        api.force_login(carol)  # a real session, checked by the session authentication class
    before = written_rows()
    paths = _api_write_paths()
    assert len(paths) >= 10 and "/api/reviews/" in paths and "/api/members/alice/follow/" in paths
    for path in paths:
        for method in ("post", "put", "patch", "delete"):
            response = getattr(api, method)(path, {"film_id": film.pk, "film": film.pk, "stars": 4}, format="json")
            assert response.status_code == 403, (method, path, response.status_code)
    assert written_rows() == before


def test_the_schema_documents_the_token_refusals_the_vibe_search_and_both_auth_schemes(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert set(schema["paths"]["/api/token/"]["post"]["responses"]) == {"200", "400", "403", "429"}
    assert {"200", "400", "429"} <= set(schema["paths"]["/api/vibe/"]["get"]["responses"])
    assert {"cookieAuth", "tokenAuth"} <= set(schema["components"]["securitySchemes"])


def test_even_right_passwords_are_limited_per_address_as_on_the_login_page(api, alice):
    # allauth's "login" rate: 30 attempts a minute from one address, whatever their outcome.
    codes = [api.post(TOKEN_URL, {"username": "alice", "password": PASSWORD}).status_code for _ in range(31)]
    assert codes == [200] * 30 + [429]
