"""Film page and browse page latency against a real gunicorn server (`python bench/bench_web.py`).

Starts gunicorn (DEBUG off; one process with threads, then two sync processes) on a free local port against the dev database, which must already
hold the demo catalogue (`python manage.py load_demo`), warms it up, then times sequential requests:
film pages of random popular films and browse pages with random filters. Prints median and p95 in ms.
Targets: film page p95 < 50 ms, browse p95 < 80 ms.
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
# Two server shapes for a 2-core machine. Sequential requests spread over two worker processes run each
# request in a process whose working set the other one has just pushed out of the CPU caches (on this VM a
# page then takes ~1.7x as long, pinned or not); one process with threads keeps it warm. Both are printed.
SERVER_SHAPES = [
    ("1 process x 4 threads (gthread)", ["--workers", "1", "--threads", "4", "--worker-class", "gthread"]),
    ("2 sync worker processes", ["--workers", "2"]),
]
WARMUP = 30
SERVER_ENV = {"DEBUG": "0", "SECURE_SSL_REDIRECT": "0", "ALLOWED_HOSTS": "127.0.0.1", "WEB_CONCURRENCY": "2"}
os.environ.update(SERVER_ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cineaesthete.settings")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> float:
    """Milliseconds to fetch the whole body; raises on anything but 200."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response.status}")
    return (time.perf_counter() - started) * 1000


def wait_until_up(base: str, server: subprocess.Popen, *, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {server.returncode}")
        try:
            fetch(base + "/healthz")
            return
        except (urllib.error.URLError, ConnectionError, RuntimeError):
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz in time")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(name: str, timings: list[float], target: float | None = None) -> None:
    p95 = percentile(timings, 0.95)
    verdict = ""
    if target is not None:
        verdict = f"  (target p95 < {target:.0f} ms: {'met' if p95 < target else 'MISSED'})"
    print(
        f"{name:<8} n={len(timings):<4} median {statistics.median(timings):6.1f} ms   p95 {p95:6.1f} ms"
        f"   max {max(timings):6.1f} ms{verdict}",
        flush=True,
    )


def main() -> int:
    import django

    django.setup()
    from catalog.models import Film
    from catalog.selectors import BROWSE_DECADES, BROWSE_SORTS, genre_choices

    film_count = Film.objects.count()
    if film_count < 1000:
        print(f"The dev database holds {film_count} films; load the catalogue first: python manage.py load_demo")
        return 1
    popular_ids = list(Film.objects.order_by("-rating_count", "id").values_list("id", flat=True)[:500])
    genre_slugs = [slug for slug, _ in genre_choices()]
    print(f"{film_count} films; film pages drawn from the {len(popular_ids)} most rated", flush=True)

    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, check=True
    )

    rng = random.Random(2)

    def film_url() -> str:
        return f"/films/{rng.choice(popular_ids)}/"

    def browse_url() -> str:
        params = [f"sort={rng.choice(list(BROWSE_SORTS))}"]
        if rng.random() < 0.6:
            params.append(f"genre={rng.choice(genre_slugs)}")
        if rng.random() < 0.5:
            params.append(f"decade={rng.choice(BROWSE_DECADES)}s")
        params.append(f"page={rng.choice([1, 1, 1, 2, 3])}")
        return "/films/?" + "&".join(params)

    failed = False
    for label, worker_args in SERVER_SHAPES:
        failed |= measure(label, worker_args, film_url, browse_url, rng)
    return 1 if failed else 0


def measure(label: str, worker_args: list[str], film_url, browse_url, rng: random.Random) -> bool:
    """Start gunicorn in one shape, time every page kind, print the numbers; True when a page failed."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "cineaesthete.wsgi", "--config", "cineaesthete/gunicorn.conf.py"]
        + ["--bind", f"127.0.0.1:{port}", *worker_args, "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ, **SERVER_ENV},
    )
    try:
        wait_until_up(base, server)
        results = {}
        queries = ["alein", "godfater", "star wars", "kubrik", "casablanka", "the", "matrix", "hitchcok"]
        for name, make_url, count in [
            ("film", film_url, REQUESTS),
            ("browse", browse_url, REQUESTS),
            ("home", lambda: "/", REQUESTS // 4),
            ("search", lambda: f"/search/?q={urllib.request.quote(rng.choice(queries))}", REQUESTS // 4),
        ]:
            try:
                for _ in range(WARMUP):
                    fetch(base + make_url())
                results[name] = [fetch(base + make_url()) for _ in range(count)]
            except urllib.error.HTTPError as error:
                # One broken page should not hide the others' numbers; the server log above has the traceback.
                results[name] = error
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    print(f"gunicorn, {label}, sequential requests over {base}:")
    targets = {"film": 50, "browse": 80}
    for name, timings in results.items():
        if isinstance(timings, Exception):
            print(f"{name:<8} FAILED: {timings}")
        else:
            report(name, timings, targets.get(name))
    return any(isinstance(timings, Exception) for timings in results.values())


if __name__ == "__main__":
    sys.exit(main())
