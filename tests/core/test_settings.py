"""Settings come from environment variables and fail early, naming the variable."""

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import ImproperlyConfigured

from cineaesthete.dburl import parse_database_url
from cineaesthete.env import env_bool, env_int, env_str


def test_database_url_is_parsed_into_django_settings():
    db = parse_database_url("postgres://film%40buff:s3cr%2Ft@db.example.com:6543/cinema?sslmode=require")
    assert db == {
        "NAME": "cinema",
        "USER": "film@buff",
        "PASSWORD": "s3cr/t",
        "HOST": "db.example.com",
        "PORT": "6543",
        "OPTIONS": {"sslmode": "require"},
    }


def test_database_url_without_a_database_name_is_refused():
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        parse_database_url("postgres://user@host:5432/")


def test_with_database_url_set_the_embedded_server_is_not_started(monkeypatch):
    import cineaesthete.embedded_db as embedded_db
    import cineaesthete.settings as settings_module

    def forbidden(*args, **kwargs):
        raise AssertionError("the embedded server must not start when DATABASE_URL is set")

    monkeypatch.setattr(embedded_db, "ensure_running", forbidden)
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:pw@db.internal:5432/cineaesthete")
    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    reloaded = importlib.reload(settings_module)
    assert reloaded.DATABASES["default"]["HOST"] == "db.internal"
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.undo()
    importlib.reload(settings_module)


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
