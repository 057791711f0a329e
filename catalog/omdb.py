"""Critics' scores from OMDb (optional): IMDb, Rotten Tomatoes and Metacritic for films with an IMDb id.

    report = omdb_scores_sync()   # films never asked; `refresh=True` for all

One request per film (``?i=tt…``), retried on 429/5xx/timeouts like TMDb's, under a shared rate limit
(OMDB_RATE_LIMIT a second). OMDb answers "not found" with HTTP 200 and ``"Response": "False"``: that is a
line in the report; an invalid key or the daily limit (401) stops the sync with OMDb's own message.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cineaesthete.progress import Progress, no_progress

from .models import CriticScore, Film
from .tmdb.client import USER_AGENT, retry_wait
from .tmdb.ratelimit import rate_limit_take

SOURCES = {
    "Internet Movie Database": CriticScore.Source.IMDB,
    "Rotten Tomatoes": CriticScore.Source.ROTTEN_TOMATOES,
    "Metacritic": CriticScore.Source.METACRITIC,
}
_OUT_OF = re.compile(r"^(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)$")  # "8.8/10", "67/100"
_PERCENT = re.compile(r"^(\d{1,3})%$")  # "79%"


class OMDbError(Exception):
    pass


class OMDbNotConfigured(OMDbError):
    def __init__(self) -> None:
        super().__init__("OMDb is not configured: set OMDB_API_KEY (see the README, 'TMDb and OMDb').")


class OMDbStop(OMDbError):
    """401: a wrong key or the day's request limit; every other request would fail the same way."""


def omdb_configured() -> bool:
    return bool(settings.OMDB_API_KEY)


class OMDbClient:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeout: float,
        max_retries: int,
        backoff: float,
        max_wait: float,
        rate: float,
    ):
        if not api_key:
            raise OMDbNotConfigured()
        self.base_url, self.api_key, self.timeout = base_url, api_key, timeout
        self.max_retries, self.backoff, self.max_wait, self.rate = max_retries, backoff, max_wait, rate
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})

    def title(self, imdb_id: str) -> dict:
        """OMDb's JSON for one IMDb id; raises OMDbStop (401), OMDbError (a film it has not, or failures)."""
        attempt = 0
        while True:
            attempt += 1
            rate_limit_take(name="omdb", rate=self.rate)
            retry_after = None
            try:
                response = self.session.get(
                    self.base_url, params={"apikey": self.api_key, "i": imdb_id}, timeout=self.timeout
                )
            except requests.Timeout:
                problem = f"timed out after {self.timeout:g} s"
            except requests.RequestException as error:
                problem = f"connection failed ({type(error).__name__})"
            else:
                body = _json(response)
                if response.status_code == 401:
                    raise OMDbStop(f"OMDb refused the request (401): {body.get('Error') or response.reason}")
                if response.status_code == 429 or response.status_code >= 500:
                    problem, retry_after = f"HTTP {response.status_code}", response.headers.get("Retry-After")
                elif response.status_code >= 400:
                    raise OMDbError(
                        f"OMDb answered HTTP {response.status_code}: {body.get('Error') or response.reason}"
                    )
                elif not body:
                    problem = "malformed JSON"
                elif body.get("Response") == "False":
                    raise OMDbError(f"OMDb: {body.get('Error') or 'no answer'}")
                else:
                    return body
            if attempt > self.max_retries:
                raise OMDbError(f"OMDb {imdb_id}: {problem} ({attempt} attempts)")
            time.sleep(
                retry_wait(attempt=attempt, retry_after=retry_after, backoff=self.backoff, max_wait=self.max_wait)
            )


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def omdb_client() -> OMDbClient:
    if not omdb_configured():
        raise OMDbNotConfigured()
    return OMDbClient(
        base_url=settings.OMDB_API_URL,
        api_key=settings.OMDB_API_KEY,
        timeout=settings.TMDB_TIMEOUT_SECONDS,
        max_retries=settings.TMDB_MAX_RETRIES,
        backoff=settings.TMDB_RETRY_BACKOFF_SECONDS,
        max_wait=settings.TMDB_RETRY_MAX_WAIT_SECONDS,
        rate=settings.OMDB_RATE_LIMIT,
    )


def score_parse(value: str) -> int | None:
    """OMDb's "8.8/10", "79%" or "67/100" on a 0-100 scale; None for "N/A" or anything else."""
    value = (value or "").strip()
    if match := _PERCENT.match(value):
        score = int(match[1])
        return score if score <= 100 else None
    if match := _OUT_OF.match(value):
        got, scale = float(match[1]), float(match[2])
        return round(got * 100 / scale) if scale > 0 and got <= scale else None
    return None


@dataclass
class OMDbReport:
    films: int = 0
    stored: int = 0
    scores: int = 0
    failed: int = 0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {**self.__dict__, "problems": self.problems[:500]}


def omdb_scores_sync(
    *, refresh: bool = False, limit: int | None = None, progress: Progress = no_progress
) -> OMDbReport:
    """Store OMDb's scores for films with an IMDb id (never asked, or all with ``refresh``)."""
    client = omdb_client()
    films = Film.objects.filter(imdb_id__isnull=False)
    if not refresh:
        films = films.filter(omdb_synced_at__isnull=True)
    rows = films.order_by("id").values_list("id", "imdb_id", "title")
    todo = list(rows[:limit] if limit else rows)
    report = OMDbReport(films=len(todo))
    for done, (film_id, imdb_id, title) in enumerate(todo, start=1):
        try:
            answer = client.title(imdb_id)
        except OMDbStop:
            raise
        except OMDbError as error:
            report.failed += 1
            report.problems.append(f"{title} ({imdb_id}): {error}")
        else:
            report.scores += omdb_film_store(film_id=film_id, answer=answer)
            report.stored += 1
        progress("omdb", done, len(todo))
    return report


def omdb_film_store(*, film_id: int, answer: dict) -> int:
    """Replace one film's scores with those in OMDb's ``answer``, in one transaction; how many were stored."""
    now = timezone.now()
    scores = {}
    for rating in answer.get("Ratings") or []:
        if not isinstance(rating, dict):
            continue
        source = SOURCES.get(rating.get("Source"))
        value = rating.get("Value") if isinstance(rating.get("Value"), str) else ""
        score = score_parse(value)
        if source and score is not None:
            scores[source] = CriticScore(
                film_id=film_id, source=source, value=value.strip()[:20], score=score, fetched_at=now
            )
    with transaction.atomic():
        CriticScore.objects.filter(film_id=film_id).delete()
        CriticScore.objects.bulk_create(scores.values())
        Film.objects.filter(pk=film_id).update(omdb_synced_at=now)
    return len(scores)
