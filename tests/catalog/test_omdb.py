"""`sync_omdb` against OMDb's recorded responses on a local stand-in, and the scores on the film page."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from catalog.models import CriticScore
from catalog.omdb import omdb_scores_sync, score_parse
from tests.catalog.tmdb_server import Reply, recorded
from tests.factories import make_film

pytestmark = pytest.mark.django_db


@pytest.fixture
def omdb(standin, settings):
    settings.OMDB_API_URL = f"{standin.url}/"
    settings.OMDB_API_KEY = "omdb-key"
    settings.OMDB_RATE_LIMIT = 0.0
    settings.TMDB_RETRY_BACKOFF_SECONDS = settings.TMDB_RETRY_MAX_WAIT_SECONDS = 0.0
    settings.TMDB_MAX_RETRIES = 1
    # OMDb has one path; the answer depends on ?i=, which the stand-in's fallback reads.
    answers = {"tt0137523": Reply(body=recorded("omdb_tt0137523.json"))}
    standin.fallback = lambda path, query: answers.get(query.get("i"), Reply(body=recorded("omdb_not_found.json")))
    standin.answers = answers
    return standin


@pytest.mark.parametrize(
    ("value", "score"),
    [("8.8/10", 88), ("79%", 79), ("67/100", 67), ("N/A", None), ("120%", None), ("11/10", None), ("", None)],
)
def test_scores_are_put_on_one_scale(value, score):
    assert score_parse(value) == score


def test_sync_stores_each_source_and_the_page_shows_them_beside_the_average(client, omdb):
    film = make_film("Fight Club", year=1999, imdb_id="tt0137523")
    report = omdb_scores_sync()
    assert (report.stored, report.scores, report.failed) == (1, 3, 0)
    assert dict(CriticScore.objects.filter(film=film).values_list("source", "value")) == {
        "imdb": "8.8/10",
        "rotten_tomatoes": "79%",
        "metacritic": "67/100",
    }
    assert omdb.seen[0].query == {"apikey": "omdb-key", "i": "tt0137523"}
    page = client.get(film.get_absolute_url()).content.decode()
    for text in ["8.8/10", "IMDb", "79%", "Rotten Tomatoes", "67/100", "Metacritic", "via OMDb"]:
        assert text in page
    assert omdb_scores_sync().films == 0  # resumable: asked films are not asked again


def test_a_film_omdb_does_not_know_is_one_line(omdb):
    make_film("Unknown", year=1999, imdb_id="tt9999999")
    report = omdb_scores_sync()
    assert report.failed == 1 and report.problems == ["Unknown (tt9999999): OMDb: Incorrect IMDb ID."]


def test_5xx_is_retried_then_reported(omdb):
    make_film("Fight Club", year=1999, imdb_id="tt0137523")
    omdb.answers["tt0137523"] = Reply(503, b"busy", content_type="text/plain")
    report = omdb_scores_sync()
    assert report.problems == ["Fight Club (tt0137523): OMDb tt0137523: HTTP 503 (2 attempts)"]
    assert not CriticScore.objects.exists()


def test_an_invalid_key_stops_with_omdbs_message(omdb):
    make_film("Fight Club", year=1999, imdb_id="tt0137523")
    make_film("Se7en", year=1995, imdb_id="tt0114369")
    omdb.fallback = lambda path, query: Reply(401, recorded("omdb_invalid_key.json"))
    with pytest.raises(CommandError, match=r"^OMDb refused the request \(401\): Invalid API key!$"):
        call_command("sync_omdb", stdout=io.StringIO())
    assert len(omdb.seen) == 1


def test_without_a_key_sync_omdb_says_it_is_not_configured(settings):
    settings.OMDB_API_KEY = ""
    with pytest.raises(CommandError, match="OMDb is not configured: set OMDB_API_KEY"):
        call_command("sync_omdb")
