"""Parse ``DATABASE_URL`` (postgres://user:pass@host:port/name?sslmode=...) into Django settings."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured


def parse_database_url(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    name = unquote(parsed.path.lstrip("/"))
    if not name:
        raise ImproperlyConfigured(
            f"DATABASE_URL must name a database, e.g. postgres://user@host:5432/cineaesthete; got {url!r}"
        )
    options = dict(parse_qsl(parsed.query))
    host = options.pop("host", None) or unquote(parsed.hostname or "")
    return {
        "NAME": name,
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": host,
        "PORT": str(parsed.port or ""),
        "OPTIONS": options,
    }
