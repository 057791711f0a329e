"""Settings come from environment variables and fail early, naming the variable."""

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import ImproperlyConfigured

from cineaesthete.env import env_bool, env_int, env_str


def _settings_with(monkeypatch, **environ: str):
    import cineaesthete.settings as settings_module

    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return importlib.reload(settings_module)


@pytest.fixture
def _restore_settings(monkeypatch):
    import cineaesthete.settings as settings_module

    yield
    monkeypatch.undo()
    importlib.reload(settings_module)


@pytest.mark.usefixtures("_restore_settings")
def test_database_url_is_parsed_into_django_settings(monkeypatch):
    url = "postgres://film%40buff:s3cr%2Ft@db.example.com:6543/cinema?sslmode=require"
    db = _settings_with(monkeypatch, DATABASE_URL=url).DATABASES["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"]) == ("cinema", "film@buff", "s3cr/t", "db.example.com")
    assert str(db["PORT"]) == "6543"
    assert db["OPTIONS"]["sslmode"] == "require"
    # Our own settings win over the parser's defaults.
    assert db["CONN_HEALTH_CHECKS"] is True
    assert db["OPTIONS"]["server_side_binding"] is True


@pytest.mark.usefixtures("_restore_settings")
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://app@%2Fvar%2Frun%2Fpostgresql/cinema", {"HOST": "/var/run/postgresql", "NAME": "cinema"}),
        ("postgres://app:p%3Aw%40rd@db:5432/cinema", {"PASSWORD": "p:w@rd", "USER": "app"}),
        ("postgres://app@db/cinema?sslmode=verify-full&connect_timeout=5", {"NAME": "cinema", "HOST": "db"}),
    ],
)
def test_database_url_variants_round_trip(monkeypatch, url, expected):
    db = _settings_with(monkeypatch, DATABASE_URL=url).DATABASES["default"]
    assert {key: db[key] for key in expected} == expected


@pytest.mark.usefixtures("_restore_settings")
@pytest.mark.parametrize("url", ["postgres://user@host:5432/", "postgres://user@host:5432", "postgresql:///"])
def test_database_url_without_a_database_name_is_refused(monkeypatch, url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        _settings_with(monkeypatch, DATABASE_URL=url)


def test_with_database_url_set_the_embedded_server_is_not_used(monkeypatch, _restore_settings):
    reloaded = _settings_with(monkeypatch, DATABASE_URL="postgresql://app:pw@db.internal:5432/cineaesthete")
    db = reloaded.DATABASES["default"]
    assert db["HOST"] == "db.internal"
    assert "EMBEDDED_PGDATA" not in db
    assert db["ENGINE"] == "django.db.backends.postgresql"


def test_a_real_server_without_secret_key_is_refused(monkeypatch):
    import cineaesthete.settings as settings_module

    monkeypatch.setenv("DATABASE_URL", "postgresql://app:pw@db.internal:5432/cineaesthete")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        importlib.reload(settings_module)
    monkeypatch.undo()
    importlib.reload(settings_module)


def test_bad_values_name_the_variable(monkeypatch):
    monkeypatch.setenv("WEB_THINGS", "many")
    with pytest.raises(ImproperlyConfigured, match="WEB_THINGS"):
        env_int("WEB_THINGS", 1)
    monkeypatch.setenv("FLAG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG", False)


def test_file_variants_hold_secrets(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("API_TOKEN_FILE", str(secret))
    assert env_str("API_TOKEN") == "from-a-file"
