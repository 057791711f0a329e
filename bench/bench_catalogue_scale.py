"""Where-to-stream at catalogue scale: 100,000 synthetic films with providers in 5 countries, in a separate
database (bench_catalogue, dropped afterwards unless --keep).

    python bench/bench_catalogue_scale.py [--films 100000] [--requests 200]

Prints p50/p95 of whole requests through Django's test client (the views, templates and queries, no
network): browse with "on my services", search, the film page, and a 500-film watchlist sorted by
availability. Targets from issue 12: browse and search p95 < 100 ms, film page < 60 ms, watchlist < 100 ms.
DEBUG is off, as in production, unless --debug.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cineaesthete.settings")

COUNTRIES = ["US", "GB", "DE", "FR", "JP"]
PROVIDERS_PER_COUNTRY = 12
KINDS = ["flatrate", "flatrate", "free", "ads", "rent", "buy"]
WORDS = [
    "night",
    "day",
    "city",
    "river",
    "shadow",
    "love",
    "last",
    "first",
    "red",
    "blue",
    "dark",
    "silent",
    "lost",
    "golden",
    "broken",
    "secret",
    "summer",
    "winter",
    "house",
    "road",
    "star",
    "moon",
    "war",
    "peace",
    "king",
    "queen",
    "stranger",
    "dream",
    "fire",
    "ice",
    "ghost",
    "garden",
    "mirror",
    "storm",
    "island",
    "journey",
    "return",
    "empire",
    "kingdom",
    "glass",
    "paper",
    "iron",
    "silver",
    "wild",
    "quiet",
    "letter",
    "song",
    "dance",
    "heart",
]
TARGETS = {"browse (on my services)": 100, "search": 100, "film page": 60, "watchlist by availability": 100}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--films", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="Keep the bench_catalogue database afterwards.")
    parser.add_argument("--reuse", action="store_true", help="Time against a bench_catalogue database kept before.")
    parser.add_argument(
        "--debug", action="store_true", help="Time with DEBUG on (off by default, as the site runs in production)."
    )
    arguments = parser.parse_args()
    # As in production: DEBUG (make's development default) logs every SQL statement and keeps template debug
    # information, which made the film page ~40% and browse's p95 several times slower here.
    os.environ["DEBUG"] = "1" if arguments.debug else "0"

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings

    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_catalogue"
    settings.ALLOWED_HOSTS = ["testserver"]
    # Templates name static files; the manifest of hashed names is not needed to time the pages.
    override_settings(
        SECURE_SSL_REDIRECT=False,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()
    # Providers are shown only with a key; every film's providers are fresh, so nothing is fetched.
    settings.TMDB_API_KEY = "bench"
    old_name = connection.settings_dict["NAME"]
    if arguments.reuse:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = 'bench_catalogue'")
            if cursor.fetchone() is None:
                print("No bench_catalogue database to reuse: run once with --keep first.")
                return 2
        connection.close()
        connection.settings_dict["NAME"] = "bench_catalogue"
    else:
        print("Creating and migrating the database bench_catalogue …", flush=True)
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        failed = run(arguments.films, arguments.requests, reuse=arguments.reuse)
    finally:
        if not arguments.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    return 1 if failed else 0


def _copy(table: str, columns: list[str], rows) -> int:
    """COPY rows into a table (tab-separated text): bulk data in one round trip, as the conventions ask."""
    from django.db import connection

    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row) + "\n")
        count += 1
    buffer.seek(0)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)
    return count


SYLLABLES = [
    "ka",
    "ri",
    "mo",
    "sen",
    "ta",
    "lu",
    "vor",
    "eth",
    "an",
    "del",
    "mir",
    "os",
    "qua",
    "zen",
    "bel",
    "tor",
    "ia",
    "nu",
    "gra",
    "pel",
    "sha",
    "dro",
    "vin",
    "ce",
    "lo",
]


def invented_words(rng: random.Random, count: int = 20_000) -> list[str]:
    words = set()
    while len(words) < count:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def populate(films: int, rng: random.Random) -> dict:
    from django.db import connection
    from django.utils import timezone

    from catalog.models import Genre
    from catalog.titles import sort_key

    began = time.perf_counter()
    genres = [Genre.objects.create(name=name, slug=name.lower()) for name in ["Drama", "Comedy", "Thriller", "Horror"]]
    now = timezone.now().isoformat()
    vocabulary = invented_words(rng)

    def film_rows():
        for pk in range(1, films + 1):
            # A common word and rarer invented ones: real titles share few words beyond "the", "night", "love".
            words = [rng.choice(WORDS)] + [rng.choice(vocabulary) for _ in range(rng.randint(0, 3))]
            rng.shuffle(words)
            title = " ".join(words).title()
            count = int(rng.paretovariate(1.2) * 3)
            yield (
                pk,
                title,
                "",
                sort_key(title),
                rng.randint(1920, 2025),
                rng.randint(70, 200),
                "",
                "",
                "",
                pk,
                count,
                3.5 if count else None,
                now,
                now,
                "",
                "",
                "{}",
                "",
            )

    _copy(
        "catalog_film",
        [
            "id",
            "title",
            "original_title",
            "sort_title",
            "year",
            "runtime_minutes",
            "certificate",
            "plot",
            "language",
            "tmdb_id",
            "rating_count",
            "rating_mean",
            "created_at",
            "updated_at",
            "tagline",
            "original_language",
            "countries",
            "trailer_youtube_key",
        ],
        film_rows(),
    )
    _copy("catalog_film_genres", ["film_id", "genre_id"], ((pk, rng.choice(genres).pk) for pk in range(1, films + 1)))
    providers = []
    for c, country in enumerate(COUNTRIES):
        for p in range(PROVIDERS_PER_COUNTRY):
            providers.append((country, 1000 + c * 100 + p))
    _copy(
        "catalog_watchprovider",
        ["id", "name", "logo_path", "display_priority"],
        ((pid, f"Service {pid}", f"/logo{pid}.jpg", i) for i, (_c, pid) in enumerate(providers)),
    )
    _copy(
        "catalog_watchproviderregion",
        ["provider_id", "country", "display_priority"],
        ((pid, country, i) for i, (country, pid) in enumerate(providers)),
    )

    def offer_rows():
        for pk in range(1, films + 1):
            for c, country in enumerate(COUNTRIES):
                if rng.random() < 0.5:
                    continue
                seen = set()
                for _ in range(rng.randint(1, 4)):
                    key = (1000 + c * 100 + rng.randrange(PROVIDERS_PER_COUNTRY), rng.choice(KINDS))
                    if key not in seen:
                        seen.add(key)
                        yield (pk, country, key[0], key[1], 10)

    offers = _copy(
        "catalog_filmavailability", ["film_id", "country", "provider_id", "kind", "display_priority"], offer_rows()
    )
    _copy(
        "catalog_filmprovidersfetch", ["film_id", "fetched_at", "error"], ((pk, now, "") for pk in range(1, films + 1))
    )
    with connection.cursor() as cursor:
        for table in ["catalog_film", "catalog_film_genres", "catalog_filmavailability"]:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    # What autovacuum does soon after a bulk load: statistics, and the visibility map for index-only scans.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"{films:,} films, {offers:,} offers in {len(COUNTRIES)} countries in {time.perf_counter() - began:.1f} s",
        flush=True,
    )
    return {"us_providers": [pid for country, pid in providers if country == "US"]}


def run(films: int, requests: int, *, reuse: bool) -> bool:
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from catalog.models import Film, MemberService
    from reviews.models import WatchlistEntry
    from tests.factories import make_member

    rng = random.Random(12)
    if reuse:
        member = User.objects.get(username="bench")
        films = Film.objects.count()
        print(f"Reusing bench_catalogue: {films:,} films", flush=True)
    else:
        data = populate(films, rng)
        member = make_member("bench", country="US")
        services = [MemberService(user=member, provider_id=pid) for pid in data["us_providers"][:3]]
        MemberService.objects.bulk_create(services)
        WatchlistEntry.objects.bulk_create(
            [WatchlistEntry(user=member, film_id=pk) for pk in rng.sample(range(1, films + 1), 500)]
        )
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US")
    client.force_login(member)
    sorts = ["popularity", "rating", "newest", "title"]
    # Words of real titles in the catalogue, some misspelt (a letter dropped), as members type them.
    # Drawn with the seeded generator, so every run times the same queries.
    titles = list(
        Film.objects.filter(pk__in=rng.sample(range(1, films + 1), 40)).order_by("pk").values_list("title", flat=True)
    )
    queries = []
    for title in titles:
        query = " ".join(title.split()[:2])
        if rng.random() < 0.3 and len(query) > 5:
            cut = rng.randrange(1, len(query) - 1)
            query = query[:cut] + query[cut + 1 :]
        queries.append(query)
    pages = {
        "browse (on my services)": lambda: (
            f"{reverse('catalog:browse')}?streaming=mine&sort={rng.choice(sorts)}&page={rng.choice([1, 1, 2, 3])}"
        ),
        "search": lambda: f"{reverse('catalog:search')}?q={rng.choice(queries).replace(' ', '+')}",
        "film page": lambda: reverse("catalog:film_detail", args=[rng.randint(1, films)]),
        "watchlist by availability": lambda: f"{reverse('reviews:watchlist', args=['bench'])}?sort=availability",
    }
    failed = False
    from django.conf import settings

    print(
        f"Whole requests through Django's test client (DEBUG {'on' if settings.DEBUG else 'off'}), "
        f"{requests} each after 10 warm-up requests:"
    )
    for name, url in pages.items():
        for _ in range(10):
            client.get(url())
        timings = []
        for _ in range(requests):
            target = url()
            began = time.perf_counter()
            response = client.get(target)
            timings.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                print(f"{name}: {target} answered {response.status_code}")
                failed = True
                break
        if len(timings) < requests:
            continue
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        verdict = "ok" if p95 < TARGETS[name] else "OVER TARGET"
        print(
            f"{name:<28} p50 {statistics.median(timings):6.1f} ms   p95 {p95:6.1f} ms   "
            f"(target p95 < {TARGETS[name]} ms: {verdict})",
            flush=True,
        )
    return failed


if __name__ == "__main__":
    sys.exit(main())
