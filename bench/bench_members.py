"""Members benchmark: rating-toggle POST latency and feed page latency against a real gunicorn.

    python bench/bench_members.py [--requests 200] [--feed-requests 60] [--workers 2]

Creates (once) a bench member following 200 members who each rated and reviewed films, starts gunicorn
with production settings (DEBUG=0) on a free port, signs in through a session cookie, and prints median
and p95 latencies. Targets: rating p95 < 30 ms, feed p95 < 80 ms.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_ENV = {
    "DEBUG": "0",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "ALLOWED_HOSTS": "127.0.0.1,testserver",
    "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
    "LOG_LEVEL": "WARNING",
}
os.environ.update(BENCH_ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cineaesthete.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402

from catalog.models import Film  # noqa: E402
from reviews import services  # noqa: E402
from reviews.models import Follow  # noqa: E402

FOLLOWED = 200


def prepare() -> tuple[object, Film]:
    User = get_user_model()
    member, _ = User.objects.get_or_create(username="bench-members", defaults={"email": "bench@example.com"})
    films = list(Film.objects.order_by("-rating_count", "id")[:20])
    while len(films) < 20:
        films.append(Film.objects.create(title=f"Bench film {len(films)}", year=2000))
    if Follow.objects.filter(follower=member).count() < FOLLOWED:
        print(f"Creating {FOLLOWED} followed members with activity…", flush=True)
        for n in range(FOLLOWED):
            other, created = User.objects.get_or_create(
                username=f"bench-followed-{n}", defaults={"email": f"bench{n}@example.com"}
            )
            if created:
                for k in range(3):
                    film = films[(n + k) % len(films)]
                    services.rating_set(user=other, film=film, stars=(n + k) % 10 / 2 + 0.5)
                services.review_create(user=other, film=films[n % len(films)], text=f"Bench review {n}.\n\nSecond.")
            services.follow_create(follower=member, followed=other)
    return member, films[0]


def session_cookie(member) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.create()
    return session.session_key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def timed(connection, method: str, path: str, *, body: str | None = None, headers: dict) -> float:
    start = time.perf_counter()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status >= 400:
        raise SystemExit(f"{method} {path} answered {response.status}")
    return elapsed


def summary(name: str, samples: list[float], target: float) -> None:
    samples = sorted(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    verdict = "OK" if p95 < target else "ABOVE TARGET"
    print(
        f"{name:<22} n={len(samples):<4} median {statistics.median(samples):6.1f} ms   "
        f"p95 {p95:6.1f} ms   (target p95 < {target:.0f} ms: {verdict})"
    )


def in_process(member, film, *, requests: int, feed_requests: int) -> tuple[list[float], list[float]]:
    """The same requests through Django's test client: CPU time of this process (Django + templates),
    which the other processes on a busy machine disturb much less than wall-clock latency."""
    from django.test import Client

    client = Client(HTTP_HX_REQUEST="true")
    client.force_login(member)
    path = f"/films/{film.pk}/rate/"

    def cpu_ms(fn) -> float:
        start = time.process_time()
        response = fn()
        assert response.status_code == 200, response.status_code
        return (time.process_time() - start) * 1000

    for n in range(10):
        client.post(path, {"stars": n % 10 / 2 + 0.5})
    rating = [cpu_ms(lambda n=n: client.post(path, {"stars": n % 10 / 2 + 0.5})) for n in range(requests)]
    feed_client = Client()
    feed_client.force_login(member)
    feed_client.get("/feed/")
    feed = [cpu_ms(lambda: feed_client.get("/feed/")) for _ in range(feed_requests)]
    return rating, feed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--feed-requests", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    call_command("collectstatic", "--noinput", verbosity=0)
    member, film = prepare()
    cookie = session_cookie(member)
    csrf = secrets.token_hex(16)  # a CSRF secret: 32 alphanumeric characters
    headers = {"Cookie": f"sessionid={cookie}; csrftoken={csrf}", "Host": "127.0.0.1"}

    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "cineaesthete.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, **BENCH_ENV},
    )
    try:
        wait_until_up(port)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        post_headers = {
            **headers,
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": csrf,
            "HX-Request": "true",
            "Referer": f"http://127.0.0.1:{port}/",
        }
        path = f"/films/{film.pk}/rate/"
        for n in range(10):  # warm-up: connections, template cache
            timed(connection, "POST", path, body=f"stars={n % 10 / 2 + 0.5}", headers=post_headers)
        rating = [
            timed(connection, "POST", path, body=f"stars={n % 10 / 2 + 0.5}", headers=post_headers)
            for n in range(args.requests)
        ]
        for _ in range(5):
            timed(connection, "GET", "/feed/", headers=headers)
        feed = [timed(connection, "GET", "/feed/", headers=headers) for _ in range(args.feed_requests)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    load = os.getloadavg()[0]
    print(f"HTTP through gunicorn ({args.workers} workers, DEBUG=0), load average {load:.1f} on {os.cpu_count()} CPUs:")
    summary("rating toggle (POST)", rating, 30)
    summary(f"feed ({FOLLOWED} followed)", feed, 80)
    rating_cpu, feed_cpu = in_process(member, film, requests=args.requests, feed_requests=args.feed_requests)
    print("In process (Django test client), CPU time of the request in Python (database time excluded):")
    summary("rating toggle (POST)", rating_cpu, 30)
    summary(f"feed ({FOLLOWED} followed)", feed_cpu, 80)


if __name__ == "__main__":
    main()
