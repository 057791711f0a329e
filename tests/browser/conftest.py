"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

The registries here serve no browser builds, so Playwright never downloads one: it launches the system
Chromium (`apt-get install chromium`, done by `.ci/run` and `make test-browser`). Playwright's sync API runs
an event loop in the test thread, which Django's async-safety check would otherwise refuse for the ORM calls
the tests make to set up data; the live server itself runs in its own thread as usual.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
MOBILE_WIDTH = 390


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)
            if not os.path.exists(CHROMIUM):
                if os.environ.get("CI"):
                    continue  # CI must have it: let the launch fail loudly
                item.add_marker(pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def console_errors(page) -> Iterator[list[str]]:
    """Every console error and uncaught page error; the test fails if any appeared."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield errors
    assert errors == [], f"browser console errors: {errors}"


@pytest.fixture
def site(live_server, transactional_db, settings):
    """A small catalogue with posters, two members and some ratings, served by the live server."""
    from tests.browser.seed import seed_site

    settings.ACCOUNT_EMAIL_VERIFICATION = "optional"
    return seed_site(live_server.url)


@pytest.fixture
def taste_site(site, settings, tmp_path):
    """The site with members of two tastes, mira's ratings and a small trained recommender serving them."""
    from django.core.cache import cache

    from recommendations import serving
    from tests.browser.seed import seed_taste

    settings.MODEL_DIR = tmp_path / "models"
    settings.RECOMMENDER_PLOT_EMBEDDINGS = False  # no transformer download: tags and genres make the content
    serving._serving_cache.reset()
    serving._broken.clear()
    cache.clear()
    seed_taste(site)
    yield site
    serving._serving_cache.reset()
    serving._broken.clear()
    cache.clear()
