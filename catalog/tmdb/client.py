"""PLACEHOLDER TMDb client (the wip/tmdb branch brings the real one): the interface only, on urllib.

tmdb_client() -> TMDbClient, TMDbClient.get(path, **params) -> dict, tmdb_configured() -> bool; errors
TMDbNotConfigured, TMDbNotFound, TMDbAuthError, TMDbError. No retries, no shared rate limit.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings


class TMDbError(Exception):
    """TMDb answered with an error, or not at all, or with something that is not JSON."""


class TMDbNotConfigured(TMDbError):
    """Neither TMDB_API_KEY nor TMDB_READ_TOKEN is set."""


class TMDbNotFound(TMDbError):
    """404: TMDb has no such resource (deleted or merged)."""


class TMDbAuthError(TMDbError):
    """401: the key or token is invalid."""


def tmdb_configured() -> bool:
    return bool(settings.TMDB_API_KEY or settings.TMDB_READ_TOKEN)


class TMDbClient:
    def __init__(self, *, base_url: str, api_key: str = "", read_token: str = "", timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.read_token = read_token
        self.timeout = timeout

    def get(self, path: str, **params) -> dict:
        if self.api_key and not self.read_token:
            params["api_key"] = self.api_key
        url = f"{self.base_url}/{path.lstrip('/')}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        if self.read_token:
            request.add_header("Authorization", f"Bearer {self.read_token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            if error.code == 404:
                raise TMDbNotFound(f"TMDb has no {path}") from error
            if error.code == 401:
                raise TMDbAuthError("TMDb refused the API key or read token") from error
            raise TMDbError(f"TMDb answered {error.code} for {path}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise TMDbError(f"TMDb could not be reached for {path}: {error}") from error
        try:
            payload = json.loads(body)
        except ValueError as error:
            raise TMDbError(f"TMDb sent malformed JSON for {path}") from error
        if not isinstance(payload, dict):
            raise TMDbError(f"TMDb sent a JSON {type(payload).__name__} for {path}, not an object")
        return payload


def tmdb_client() -> TMDbClient:
    if not tmdb_configured():
        raise TMDbNotConfigured("TMDb is not configured: set TMDB_API_KEY or TMDB_READ_TOKEN.")
    return TMDbClient(
        base_url=settings.TMDB_API_URL, api_key=settings.TMDB_API_KEY, read_token=settings.TMDB_READ_TOKEN
    )
