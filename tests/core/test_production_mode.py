"""A tree set up as `make run` sets it up serves every page with DEBUG=0, hashed static files included."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from cineaesthete.core.static import require_collected_static

ROOT = Path(django_settings.BASE_DIR)
PRODUCTION_STATIC = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory) -> Path:
    """Static files collected exactly as `make run` collects them: the real settings, with DEBUG=1."""
    static_root = tmp_path_factory.mktemp("staticfiles")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cineaesthete.settings",
            "DEBUG": "1",
            "STATIC_ROOT": str(static_root),
        },
        check=True,
        timeout=300,
    )
    return static_root


@pytest.fixture
def production(settings, collected_static):
    settings.DEBUG = False
    settings.STATIC_ROOT = collected_static
    settings.STORAGES = {**settings.STORAGES, "staticfiles": PRODUCTION_STATIC}
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    return collected_static


def test_collectstatic_under_make_run_writes_the_manifest_production_reads(collected_static):
    manifest = json.loads((collected_static / "staticfiles.json").read_text())
    assert "css/site.css" in manifest["paths"] and "js/site.js" in manifest["paths"]


def test_every_page_renders_with_debug_off_and_links_hashed_static_files(production, site_pages):
    hashed = re.compile(r'(?:href|src)="(/static/[^"]+\.[0-9a-f]{12}\.(?:css|js))"')
    for member, path in site_pages:
        client = Client()
        if member is not None:
            client.force_login(member)
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        if response["Content-Type"].startswith("text/html") and not path.startswith("/api/"):
            assets = hashed.findall(response.content.decode())
            assert assets, path
            for asset in set(assets):
                served = client.get(asset)
                assert served.status_code == 200, asset
                # Read through the client's wrapper, which keeps the test's database connection open.
                assert b"".join(served.streaming_content)


def test_without_collected_static_the_server_refuses_to_start_and_names_the_fix(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "never-collected"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": PRODUCTION_STATIC}
    with pytest.raises(ImproperlyConfigured, match="collectstatic"):
        require_collected_static()


def test_debug_needs_no_collected_static(settings, tmp_path):
    settings.DEBUG = True
    settings.STATIC_ROOT = tmp_path / "never-collected"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": PRODUCTION_STATIC}
    require_collected_static()
