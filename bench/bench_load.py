"""Mixed load against gunicorn in production mode (`python bench/bench_load.py [--seconds 30]`).

Migrates and collects static files, starts gunicorn with DEBUG=0 and the settings of
`cineaesthete/gunicorn.conf.py` on a free loopback port, warms it up (20 s of the same load), then runs 16
concurrent clients for at most 60 seconds over a mix of home, browse, film, vibe and recommendations pages (signed-in
members for recommendations). Prints requests/s, p50/p95/p99 latency overall and per page kind, and every
error; exits 1 when a request failed. Needs the demo data (`python manage.py load_demo`).

`--workers N --threads M` try another server shape than the config's defaults.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MAX_SECONDS = 60
WARMUP_SECONDS = 20
SERVER_ENV = {"DEBUG": "0", "SECURE_SSL_REDIRECT": "0", "ALLOWED_HOSTS": "127.0.0.1"}
os.environ.update(SERVER_ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cineaesthete.settings")

# Share of requests per page kind.
MIX = {"home": 0.15, "browse": 0.25, "film": 0.30, "vibe": 0.15, "recommendations": 0.15}
VIBE_QUERIES = [
    "rain with neon reflections",
    "pastel pink and purple palette",
    "cold blue isolated atmosphere",
    "harsh black and white contrast",
    "golden desert adventure",
    "teal and orange action",
    "dark gloomy detective",
    "sunny road trip",
    "snowy mountain survival",
    "smoky jazz bar at night",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Site:
    """URLs to draw from, and a signed-in session per client, from the demo database."""

    def __init__(self, clients: int) -> None:
        import django

        django.setup()
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore
        from django.db.models import Count

        from accounts.models import User
        from catalog.models import Film
        from catalog.selectors import BROWSE_DECADES, BROWSE_SORTS, genre_choices

        film_count = Film.objects.count()
        if film_count < 1000:
            raise SystemExit(f"The database holds {film_count} films; load the demo first: python manage.py load_demo")
        self.film_ids = list(Film.objects.order_by("-rating_count", "id").values_list("id", flat=True)[:1000])
        self.genres = [slug for slug, _ in genre_choices()]
        self.sorts = list(BROWSE_SORTS)
        self.decades = list(BROWSE_DECADES)
        # The demo login plus MovieLens members with real histories, so recommendations are not one cached list.
        members = list(User.objects.filter(username="demo"))
        members += list(
            User.objects.filter(imported_from="movielens")
            .annotate(n=Count("ratings"))
            .filter(n__gte=40)
            .order_by("pk")[: clients - len(members)]
        )
        self.sessions = []
        for member in members:
            session = SessionStore()
            session[SESSION_KEY] = str(member.pk)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = member.get_session_auth_hash()
            session.create()
            self.sessions.append(session.session_key)
        if not self.sessions:
            raise SystemExit("No member to sign in as; run: python manage.py create_demo_member")

    def url(self, kind: str, rng: random.Random) -> str:
        if kind == "home":
            return "/"
        if kind == "film":
            return f"/films/{rng.choice(self.film_ids)}/"
        if kind == "browse":
            params = [f"sort={rng.choice(self.sorts)}"]
            if rng.random() < 0.6:
                params.append(f"genre={rng.choice(self.genres)}")
            if rng.random() < 0.4:
                params.append(f"decade={rng.choice(self.decades)}s")
            params.append(f"page={rng.choice([1, 1, 1, 2, 3])}")
            return "/films/?" + "&".join(params)
        if kind == "vibe":
            return f"/vibe/?q={quote(rng.choice(VIBE_QUERIES))}"
        return "/recommendations/"


class Client(threading.Thread):
    """One browser-like client: a keep-alive connection, requests back to back until the deadline."""

    def __init__(self, number: int, port: int, site: Site, deadline: float, results: list) -> None:
        super().__init__(daemon=True)
        self.rng = random.Random(number)
        self.port, self.site, self.deadline, self.results = port, site, deadline, results
        self.cookie = f"sessionid={site.sessions[number % len(site.sessions)]}"
        self.connection: http.client.HTTPConnection | None = None

    def fetch(self, path: str) -> int:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.connection.request("GET", path, headers={"Cookie": self.cookie})
                response = self.connection.getresponse()
                response.read()
                if response.will_close:
                    self.connection.close()
                    self.connection = None
                return response.status
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A server that closed an idle keep-alive connection: reconnect once.
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def run(self) -> None:
        kinds, weights = list(MIX), list(MIX.values())
        while time.monotonic() < self.deadline:
            kind = self.rng.choices(kinds, weights)[0]
            path = self.site.url(kind, self.rng)
            started = time.perf_counter()
            try:
                status = self.fetch(path)
                error = None if status == 200 else f"HTTP {status}"
            except Exception as exc:  # noqa: BLE001 — every failure is reported, none stops the run
                error = f"{type(exc).__name__}: {exc}"
            self.results.append((kind, (time.perf_counter() - started) * 1000, error, path))


def run_clients(count: int, port: int, site: Site, seconds: float, results: list) -> float:
    """Run `count` clients for `seconds`; the wall time they took."""
    started = time.monotonic()
    clients = [Client(n, port, site, started + seconds, results) for n in range(count)]
    for client in clients:
        client.start()
    for client in clients:
        client.join(timeout=seconds + 60)
    return time.monotonic() - started


def start_server(port: int, shape: list[str]) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "cineaesthete.wsgi", "--config", "cineaesthete/gunicorn.conf.py"]
        + ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", *shape],
        cwd=ROOT,
        env={**os.environ, **SERVER_ENV},
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not answer /healthz in 120 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=30, help=f"length of the measured load (at most {MAX_SECONDS})"
    )
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, help="gunicorn processes (default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, help="threads per process (default: gunicorn.conf.py)")
    args = parser.parse_args()
    seconds = min(max(args.seconds, 1), MAX_SECONDS)

    for command in (["migrate", "--noinput", "--verbosity", "0"], ["collectstatic", "--noinput", "--verbosity", "0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, check=True)
    site = Site(args.clients)
    shape = []
    if args.workers:
        shape += ["--workers", str(args.workers)]
    if args.threads:
        shape += ["--threads", str(args.threads)]
    port = free_port()
    server = start_server(port, shape)
    try:
        # Warm-up: every page kind in turn, then the full concurrent load for WARMUP_SECONDS, so that every
        # worker process has loaded its models and filled its caches before anything is measured.
        warm: list = []
        first = Client(0, port, site, float("inf"), warm)
        for kind in MIX:
            status = first.fetch(site.url(kind, first.rng))
            warm.append((kind, 0, None if status == 200 else f"HTTP {status}", kind))
        run_clients(args.clients, port, site, WARMUP_SECONDS, warm)
        results: list = []
        elapsed = run_clients(args.clients, port, site, seconds, results)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    described = " ".join(shape) or "gunicorn.conf.py defaults"
    timings = [ms for _, ms, error, _ in results if error is None]
    errors = [(kind, error, path) for kind, _, error, path in results if error is not None]
    print(f"gunicorn ({described}), DEBUG=0, {args.clients} clients for {elapsed:.1f} s over 127.0.0.1:{port}")
    print(f"requests {len(results)}   {len(results) / elapsed:.1f} requests/s   errors {len(errors)}")
    if timings:
        print(
            f"latency  p50 {percentile(timings, 0.5):.0f} ms   p95 {percentile(timings, 0.95):.0f} ms"
            f"   p99 {percentile(timings, 0.99):.0f} ms   mean {statistics.mean(timings):.0f} ms"
        )
    by_kind = defaultdict(list)
    for kind, ms, error, _ in results:
        if error is None:
            by_kind[kind].append(ms)
    for kind in MIX:
        if by_kind[kind]:
            values = by_kind[kind]
            print(
                f"  {kind:<16} n={len(values):<5} p50 {percentile(values, 0.5):6.0f} ms"
                f"   p95 {percentile(values, 0.95):6.0f} ms   p99 {percentile(values, 0.99):6.0f} ms"
            )
    warm_errors = [(kind, error, path) for kind, _, error, path in warm if error]
    for (kind, error, path), count in Counter(warm_errors).most_common(5):
        print(f"  WARM-UP ERROR {count}x {kind} {path}: {error}")
    slowest = sorted((ms, path) for _, ms, error, path in results if error is None)[-3:]
    print("slowest: " + ", ".join(f"{path} {ms:.0f} ms" for ms, path in reversed(slowest)))
    for (kind, error, path), count in Counter(errors).most_common(10):
        print(f"  ERROR {count}x {kind} {path}: {error}")
    return 1 if errors or warm_errors else 0


if __name__ == "__main__":
    sys.exit(main())
