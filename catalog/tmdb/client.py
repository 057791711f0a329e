"""A thin TMDb v3 client on ``requests``: one session, timeouts, retries, and the shared rate limit.

    from catalog.tmdb.client import TMDbNotConfigured, tmdb_client, tmdb_configured

    if tmdb_configured():
        movie = tmdb_client().get("/movie/603", append_to_response="credits,keywords")

Why not tmdbsimple or tmdbv3api: both make one request per call with no retry, no Retry-After, no timeout
by default and no rate limit shared across processes, and both hide the JSON behind their own objects; the
three things we need from a library are exactly the ones they leave out, and the rest is ``session.get``.

Errors: ``TMDbNotConfigured`` (no key), ``TMDbAuthError`` (401: a wrong key; stop, every request would fail),
``TMDbNotFound`` (404: a deleted or merged film), ``TMDbError`` for the rest once retries are spent (429,
5xx, timeouts, connection errors, malformed JSON). Every message is one line fit for a job's report.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .ratelimit import rate_limit_take

CONFIGURATION_CACHE_KEY = "tmdb:configuration"
CONFIGURATION_CACHE_SECONDS = 24 * 60 * 60  # TMDb: "cache this data and check for updates every few days"
RATE_BUCKET = "tmdb"
USER_AGENT = "CineAesthete (+https://github.com/cineaesthete)"
_RETRY_STATUSES = {429, 500, 502, 503, 504}


class TMDbError(Exception):
    """A request that failed after its retries; the message is one line naming the path and the cause."""


class TMDbNotConfigured(TMDbError):
    def __init__(self) -> None:
        super().__init__("TMDb is not configured: set TMDB_API_KEY or TMDB_READ_TOKEN (see the README, 'TMDb').")


class TMDbAuthError(TMDbError):
    """401: the key or token is wrong or revoked. Stop: every other request would fail the same way."""


class TMDbNotFound(TMDbError):
    """404: the resource does not exist (a film TMDb deleted or merged)."""


def tmdb_configured() -> bool:
    return bool(settings.TMDB_API_KEY or settings.TMDB_READ_TOKEN)


def tmdb_client() -> TMDbClient:
    """The client built from settings; raises TMDbNotConfigured when neither key nor token is set."""
    if not tmdb_configured():
        raise TMDbNotConfigured()
    return TMDbClient(
        base_url=settings.TMDB_API_URL,
        api_key=settings.TMDB_API_KEY,
        read_token=settings.TMDB_READ_TOKEN,
        timeout=settings.TMDB_TIMEOUT_SECONDS,
        max_retries=settings.TMDB_MAX_RETRIES,
        backoff=settings.TMDB_RETRY_BACKOFF_SECONDS,
        max_wait=settings.TMDB_RETRY_MAX_WAIT_SECONDS,
        rate=settings.TMDB_RATE_LIMIT,
    )


def retry_wait(*, attempt: int, retry_after: str | None, backoff: float, max_wait: float) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based): the server's Retry-After (seconds or an
    HTTP date) when it sends one, else exponential backoff with jitter; never more than ``max_wait``."""
    if retry_after:
        retry_after = retry_after.strip()
        try:
            wait = float(retry_after)
        except ValueError:
            try:
                wait = (parsedate_to_datetime(retry_after) - timezone.now()).total_seconds()
            except (TypeError, ValueError):
                wait = backoff * 2 ** (attempt - 1)
    else:
        wait = backoff * 2 ** (attempt - 1) * (0.5 + random.random() / 2)
    return max(0.0, min(wait, max_wait))


@dataclass(frozen=True)
class ImageConfiguration:
    """The image part of TMDb's /configuration: a base URL and the sizes each kind of image comes in."""

    secure_base_url: str
    sizes: dict[str, list[str]]  # "backdrop" -> ["w300", "w780", "w1280", "original"], also poster, still, ...

    def size_for(self, kind: str, width: int) -> str:
        """The largest listed ``w…`` size not wider than ``width``, else the smallest, else "original"."""
        widths = sorted(
            int(size[1:]) for size in self.sizes.get(kind, []) if size.startswith("w") and size[1:].isdigit()
        )
        fitting = [w for w in widths if w <= width]
        if fitting:
            return f"w{fitting[-1]}"
        return f"w{widths[0]}" if widths else "original"

    def url(self, file_path: str, *, kind: str, width: int) -> str:
        return f"{self.secure_base_url.rstrip('/')}/{self.size_for(kind, width)}/{file_path.lstrip('/')}"


class TMDbClient:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str = "",
        read_token: str = "",
        timeout: float = 10.0,
        max_retries: int = 4,
        backoff: float = 1.0,
        max_wait: float = 60.0,
        rate: float = 40.0,
    ) -> None:
        if not (api_key or read_token):
            raise TMDbNotConfigured()
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.rate = rate
        self.session = _Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        if read_token:
            self.session.headers["Authorization"] = f"Bearer {read_token}"
        # Images come from another host (image.tmdb.org): a session of their own, kept alive between downloads
        # (a new connection per image cost more than decoding it) and never carrying the API's token.
        self.image_session = _Session()
        self.image_session.headers["User-Agent"] = USER_AGENT

    def get(self, path: str, **params: Any) -> dict:
        """GET ``path`` (e.g. "/movie/603") with query ``params``; the decoded JSON object.

        Retries 429, 5xx, timeouts, connection errors and undecodable bodies; raises TMDbAuthError (401),
        TMDbNotFound (404) or TMDbError."""
        url = f"{self.base_url}/{path.lstrip('/')}"
        query = {key: value for key, value in params.items() if value is not None}
        if self.api_key:
            query["api_key"] = self.api_key
        attempt = 0
        while True:
            attempt += 1
            rate_limit_take(name=RATE_BUCKET, rate=self.rate)
            retry_after = None
            try:
                response = self.session.get(url, params=query, timeout=self.timeout)
            except requests.Timeout:
                problem = f"timed out after {self.timeout:g} s"
            except requests.RequestException as error:
                problem = f"connection failed ({type(error).__name__})"
            else:
                status = response.status_code
                if status == 401:
                    raise TMDbAuthError(f"TMDb refused the key or token (401 on {path}): {_status_message(response)}")
                if status == 404:
                    raise TMDbNotFound(f"TMDb has no {path} (404)")
                if status in _RETRY_STATUSES:
                    problem = f"HTTP {status}"
                    retry_after = response.headers.get("Retry-After")
                elif status >= 400:
                    raise TMDbError(f"TMDb answered HTTP {status} on {path}: {_status_message(response)}")
                else:
                    try:
                        payload = response.json()
                    except ValueError:
                        problem = "malformed JSON"
                    else:
                        if isinstance(payload, dict):
                            return payload
                        problem = f"a JSON {type(payload).__name__} where an object was expected"
            if attempt > self.max_retries:
                tries = f"{attempt} attempt{'s' if attempt > 1 else ''}"
                raise TMDbError(f"TMDb {path}: {problem} ({tries})")
            time.sleep(
                retry_wait(attempt=attempt, retry_after=retry_after, backoff=self.backoff, max_wait=self.max_wait)
            )

    def image_configuration(self) -> ImageConfiguration:
        """TMDb's /configuration images part, kept a day in the shared cache (TMDb asks clients to cache it)."""
        images = cache.get(CONFIGURATION_CACHE_KEY)
        if images is None:
            images = self.get("/configuration").get("images") or {}
            if not images.get("secure_base_url"):
                raise TMDbError("TMDb /configuration has no images.secure_base_url")
            cache.set(CONFIGURATION_CACHE_KEY, images, CONFIGURATION_CACHE_SECONDS)
        return ImageConfiguration(
            secure_base_url=images["secure_base_url"],
            sizes={
                key.removesuffix("_sizes"): list(value)
                for key, value in images.items()
                if key.endswith("_sizes") and isinstance(value, list)
            },
        )

    def download(self, url: str, *, max_bytes: int) -> bytes:
        """An image's bytes from TMDb's image server (not the API: no rate limit token), refused past
        ``max_bytes`` while it streams in. Retries like ``get``."""
        attempt = 0
        while True:
            attempt += 1
            retry_after = None
            try:
                with self.image_session.get(url, timeout=self.timeout, stream=True) as response:
                    if response.status_code == 404:
                        raise TMDbNotFound(f"no image at {url} (404)")
                    if response.status_code in _RETRY_STATUSES:
                        problem = f"HTTP {response.status_code}"
                        retry_after = response.headers.get("Retry-After")
                    elif response.status_code >= 400:
                        raise TMDbError(f"image {url}: HTTP {response.status_code}")
                    else:
                        declared = response.headers.get("Content-Length", "")
                        if declared.isdigit() and int(declared) > max_bytes:
                            raise TMDbError(f"image {url} is {int(declared):,} bytes, over the {max_bytes:,} limit")
                        chunks, size = [], 0
                        for chunk in response.iter_content(64 * 1024):
                            size += len(chunk)
                            if size > max_bytes:
                                raise TMDbError(f"image {url} is over the {max_bytes:,} byte limit")
                            chunks.append(chunk)
                        return b"".join(chunks)
            except requests.Timeout:
                problem = f"timed out after {self.timeout:g} s"
            except requests.RequestException as error:
                problem = f"connection failed ({type(error).__name__})"
            if attempt > self.max_retries:
                raise TMDbError(f"image {url}: {problem} ({attempt} attempts)")
            time.sleep(
                retry_wait(attempt=attempt, retry_after=retry_after, backoff=self.backoff, max_wait=self.max_wait)
            )


class _Session(requests.Session):
    """A session that reads the proxy and CA-bundle variables from the environment once per host, not on every
    request: requests walks the whole of ``os.environ`` twice per call (a third of a sync's client CPU time)."""

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple, dict] = {}
        self._environment_lock = threading.Lock()

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # requests' own signature
        if proxies or not self.trust_env:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        key = (*urlsplit(url)[:2], stream, verify, cert)
        with self._environment_lock:
            merged = self._environment.get(key)
            if merged is None:
                merged = self._environment[key] = super().merge_environment_settings(url, proxies, stream, verify, cert)
        return {**merged, "proxies": dict(merged["proxies"])}


def _status_message(response: requests.Response) -> str:
    """TMDb's own explanation (``status_message``) when the error body carries one."""
    try:
        body = response.json()
    except ValueError:
        return response.reason or "no explanation"
    if isinstance(body, dict) and body.get("status_message"):
        return str(body["status_message"])[:200]
    return response.reason or "no explanation"
