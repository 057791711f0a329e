"""TMDb and OMDb stand-ins: a real local server answering recorded responses, the settings pointing at it."""

from __future__ import annotations

import pytest

from tests.catalog.tmdb_server import StandInServer, configure_tmdb


@pytest.fixture
def standin():
    server = StandInServer().start()
    yield server
    server.stop()


@pytest.fixture
def tmdb(standin, settings):
    """TMDb configured against the stand-in: key "test-key", no waits between retries, no rate limit."""
    configure_tmdb(settings, standin)
    return standin
