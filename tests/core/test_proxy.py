"""X-Forwarded-* headers are trusted only when BEHIND_PROXY says a proxy in front sets them."""

from __future__ import annotations

import importlib

import pytest

import cineaesthete.settings as settings_module


@pytest.fixture
def reloaded(monkeypatch):
    def reload(**env: str):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(settings_module)

    yield reload
    monkeypatch.undo()
    importlib.reload(settings_module)


def test_without_a_proxy_no_forwarded_header_is_trusted(reloaded, monkeypatch):
    monkeypatch.delenv("BEHIND_PROXY", raising=False)
    settings = reloaded()
    assert getattr(settings, "SECURE_PROXY_SSL_HEADER", None) is None
    assert getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0) == 0
    assert "NUM_PROXIES" not in settings.REST_FRAMEWORK


def test_behind_a_proxy_the_scheme_and_client_address_come_from_it(reloaded):
    settings = reloaded(BEHIND_PROXY="1")
    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 1
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 1


@pytest.mark.django_db
def test_a_client_cannot_claim_https_by_sending_the_header(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = None
    response = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 301 and response["Location"].startswith("https://")


@pytest.mark.django_db
def test_behind_a_proxy_its_https_header_is_believed(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get("/healthz", headers={"X-Forwarded-Proto": "https"}).status_code == 200
