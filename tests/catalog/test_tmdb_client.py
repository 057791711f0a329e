"""The TMDb client against a local stand-in server answering TMDb's recorded responses."""

from __future__ import annotations

import socket

import pytest

from catalog.tmdb.client import (
    TMDbAuthError,
    TMDbError,
    TMDbNotConfigured,
    TMDbNotFound,
    retry_wait,
    tmdb_client,
    tmdb_configured,
)
from catalog.tmdb.ratelimit import rate_limit_wait
from tests.catalog.tmdb_server import Reply, recorded

pytestmark = pytest.mark.django_db


def test_without_a_key_tmdb_says_it_is_not_configured(settings):
    settings.TMDB_API_KEY = ""
    settings.TMDB_READ_TOKEN = ""
    assert tmdb_configured() is False
    with pytest.raises(TMDbNotConfigured, match="TMDB_API_KEY or TMDB_READ_TOKEN"):
        tmdb_client()


def test_it_sends_the_api_key_as_a_query_parameter(tmdb):
    tmdb.route("/3/configuration", Reply(body=recorded("configuration.json")))
    assert tmdb_client().get("/configuration")["images"]["secure_base_url"] == "https://image.tmdb.org/t/p/"
    assert tmdb.seen[-1].query["api_key"] == "test-key"


def test_it_sends_the_read_token_as_a_bearer_header(tmdb, settings):
    settings.TMDB_API_KEY = ""
    settings.TMDB_READ_TOKEN = "read-token"
    tmdb.route("/3/configuration", Reply(body=recorded("configuration.json")))
    tmdb_client().get("/configuration")
    assert tmdb.seen[-1].headers["Authorization"] == "Bearer read-token"
    assert "api_key" not in tmdb.seen[-1].query


def test_a_wrong_key_raises_auth_error_with_tmdbs_message(tmdb):
    tmdb.route("/3/movie/550", Reply(401, recorded("error_401.json")))
    with pytest.raises(TMDbAuthError, match="Invalid API key"):
        tmdb_client().get("/movie/550")
    assert len(tmdb.seen) == 1  # never retried


def test_a_deleted_film_raises_not_found(tmdb):
    with pytest.raises(TMDbNotFound, match="404"):
        tmdb_client().get("/movie/999999999")


@pytest.mark.parametrize(
    "failure",
    [
        Reply(429, recorded("error_429.json"), headers={"Retry-After": "0"}),
        Reply(503, b"<html>Service unavailable</html>", content_type="text/html"),
        Reply(200, b'{"id": 550, "title": "Fight', content_type="application/json"),
    ],
    ids=["429", "503", "truncated-json"],
)
def test_it_retries_429_5xx_and_broken_bodies_then_succeeds(tmdb, failure):
    tmdb.route("/3/configuration", failure, Reply(body=recorded("configuration.json")))
    assert "images" in tmdb_client().get("/configuration")
    assert tmdb.paths_seen() == ["/3/configuration", "/3/configuration"]


def test_it_gives_up_after_its_retries_with_one_line(tmdb):
    tmdb.route("/3/configuration", Reply(502, b"bad gateway", content_type="text/plain"))
    with pytest.raises(TMDbError, match=r"^TMDb /configuration: HTTP 502 \(3 attempts\)$"):
        tmdb_client().get("/configuration")
    assert len(tmdb.seen) == 3  # TMDB_MAX_RETRIES = 2 in the fixture


def test_a_json_list_where_an_object_belongs_is_an_error(tmdb):
    tmdb.route("/3/configuration", Reply(body=[1, 2]))
    with pytest.raises(TMDbError, match="JSON list"):
        tmdb_client().get("/configuration")


def test_it_times_out_instead_of_hanging(tmdb, settings):
    # A socket that listens but never answers: the connection opens, the response never comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.TMDB_API_URL = f"http://127.0.0.1:{silent.getsockname()[1]}/3"
        settings.TMDB_TIMEOUT_SECONDS = 0.05
        settings.TMDB_MAX_RETRIES = 0
        with pytest.raises(TMDbError, match=r"timed out after 0.05 s \(1 attempt\)"):
            tmdb_client().get("/configuration")


def test_retry_after_is_honoured_and_capped():
    assert retry_wait(attempt=1, retry_after="7", backoff=1.0, max_wait=60) == 7
    assert retry_wait(attempt=1, retry_after="120", backoff=1.0, max_wait=60) == 60
    assert retry_wait(attempt=1, retry_after="Wed, 21 Oct 2015 07:28:00 GMT", backoff=1.0, max_wait=60) == 0
    assert 2 <= retry_wait(attempt=3, retry_after=None, backoff=1.0, max_wait=60) <= 4


def test_image_urls_are_built_from_the_configuration_and_cached(tmdb):
    tmdb.route("/3/configuration", Reply(body=recorded("configuration.json")))
    images = tmdb_client().image_configuration()
    assert images.url("/rr7E0NoGKxvbkb89eR1GwfoYjpA.jpg", kind="backdrop", width=780) == (
        "https://image.tmdb.org/t/p/w780/rr7E0NoGKxvbkb89eR1GwfoYjpA.jpg"
    )
    assert images.size_for("backdrop", 1000) == "w780"
    assert images.size_for("still", 50) == "w92"
    tmdb_client().image_configuration()
    assert tmdb.paths_seen() == ["/3/configuration"]  # the second came from the cache


def test_the_shared_bucket_makes_callers_wait_their_turn():
    # 10 a second with a bank of 1: the first caller goes at once, the next ones queue 0.1 s apart.
    waits = [rate_limit_wait(name="test", rate=10, capacity=1) for _ in range(4)]
    assert waits[0] == 0
    assert waits[1] < waits[2] < waits[3] <= 0.31
