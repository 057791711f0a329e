"""TMDb and OMDb stand-ins: a real local server answering recorded responses, the settings pointing at it."""

from __future__ import annotations

import pytest

from tests.catalog.tmdb_server import StandInServer


@pytest.fixture
def standin():
    server = StandInServer().start()
    yield server
    server.stop()


@pytest.fixture
def tmdb(standin, settings):
    """TMDb configured against the stand-in: key "test-key", no waits between retries, no rate limit."""
    settings.TMDB_API_URL = f"{standin.url}/3"
    settings.TMDB_API_KEY = "test-key"
    settings.TMDB_READ_TOKEN = ""
    settings.TMDB_RETRY_BACKOFF_SECONDS = 0.0
    settings.TMDB_RETRY_MAX_WAIT_SECONDS = 0.0
    settings.TMDB_MAX_RETRIES = 2
    settings.TMDB_TIMEOUT_SECONDS = 2.0
    settings.TMDB_RATE_LIMIT = 0.0
    return standin
