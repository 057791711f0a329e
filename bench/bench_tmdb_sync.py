"""TMDb sync throughput and resumability against a local stand-in that answers instantly.

    python bench/bench_tmdb_sync.py [--films 900] [--rate 40] [--keep]

Creates the database `bench_tmdb` on the same server, adds --films films with TMDb ids, and serves every
/movie/{id} with the recorded Fight Club answer (its id, backdrop paths and keywords changed per film) and
each backdrop as a small JPEG of its own. Then:

1. a child process runs `sync_tmdb --enrich` and is killed (SIGKILL) a third of the way in;
2. this process runs the sync again at the default rate limit (--rate), timing it, and counts what it asked:
   the rerun must fetch exactly the films the killed run had not stored, and no film may be half-stored.

Target: at least 30 films/s with the default limit of 40 requests/s (the limit, not our code, the bottleneck).
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cineaesthete.settings")
DATABASE = "bench_tmdb"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--films", type=int, default=900)
    parser.add_argument("--rate", type=float, default=40.0, help="TMDB_RATE_LIMIT (default: the setting's default)")
    parser.add_argument("--keep", action="store_true", help="Keep the bench_tmdb database afterwards.")
    parser.add_argument(
        "--debug", action="store_true", help="Keep DEBUG's SQL log on (off by default, as in production)."
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    # As in a production worker: DEBUG's log of every SQL statement (make's development default) adds 10 to 20 %
    # to the sync's CPU and is not the sync's own work. --debug keeps it, to see that cost.
    settings.DEBUG = arguments.debug

    if arguments.child:  # the run that gets killed: the same command a worker or an operator runs
        settings.DATABASES["default"]["NAME"] = DATABASE
        from django.core.management import call_command

        call_command("sync_tmdb", "--enrich", stdout=io.StringIO(), stderr=io.StringIO())
        return 0

    settings.DATABASES["default"]["TEST"]["NAME"] = DATABASE
    media = tempfile.mkdtemp(prefix="bench-tmdb-media-")
    settings.MEDIA_ROOT = media
    old_name = connection.settings_dict["NAME"]
    print(f"Creating and migrating the database {DATABASE} …", flush=True)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(films=arguments.films, rate=arguments.rate, media=media)
    finally:
        if not arguments.keep:
            with connection.cursor() as cursor:  # the killed child's session may linger a moment
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    [DATABASE],
                )
            connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(media, ignore_errors=True)
    return 0


def standin_process(pipe) -> None:
    """The stand-in in a process of its own, so its Python work never competes with the sync for the GIL."""
    server = standin_server()
    pipe.send(server.url)
    pipe.recv()  # until the bench says stop
    server.stop()


def standin_server():
    from PIL import Image

    from tests.catalog.tmdb_server import Reply, StandInServer, recorded

    server = StandInServer().start()
    configuration = recorded("configuration.json")
    configuration["images"]["secure_base_url"] = f"{server.url}/t/p/"
    movie = recorded("movie_550_appended.json")

    def answer(path: str, query: dict) -> Reply | None:
        if path == "/_seen":  # what the bench asks the stand-in: the films requested so far
            return Reply(body=[seen for seen in server.paths_seen() if seen.startswith("/3/movie/")])
        if path == "/_reset":
            server.seen.clear()
            return Reply(body={})
        parts = path.strip("/").split("/")
        if parts == ["3", "configuration"]:
            return Reply(body=configuration)
        if len(parts) == 3 and parts[:2] == ["3", "movie"] and parts[2].isdigit():
            tmdb_id = int(parts[2])
            body = copy.deepcopy(movie)
            body["id"] = tmdb_id
            body["imdb_id"] = body["external_ids"]["imdb_id"] = f"tt{9_000_000 + tmdb_id:07d}"
            for number, backdrop in enumerate(body["images"]["backdrops"]):
                backdrop["file_path"] = f"/{tmdb_id}_{number}.jpg"
            for keyword in body["keywords"]["keywords"]:
                keyword["id"] += tmdb_id % 50 * 100_000  # a shared vocabulary, as on TMDb
            return Reply(body=body)
        if path.startswith("/t/p/"):
            stem = path.rsplit("/", 1)[-1].removesuffix(".jpg")
            tmdb_id, number = (int(part) for part in stem.split("_"))
            buffer = io.BytesIO()
            Image.new("RGB", (78, 44), (tmdb_id % 256, number * 60, tmdb_id // 256 % 256)).save(buffer, "JPEG")
            return Reply(body=buffer.getvalue(), content_type="image/jpeg")
        return None

    server.fallback = answer
    return server


def run(*, films: int, rate: float, media: str) -> None:
    from django.conf import settings
    from django.db import connection

    from catalog.models import Credit, Film, FilmRelease
    from catalog.tmdb.sync import tmdb_enrich

    parent_end, child_end = multiprocessing.Pipe()
    standin = multiprocessing.Process(target=standin_process, args=(child_end,), daemon=True)
    standin.start()
    server_url = parent_end.recv()

    def movies_seen() -> list[str]:
        with urllib.request.urlopen(f"{server_url}/_seen") as response:
            return json.loads(response.read())

    settings.TMDB_API_URL = f"{server_url}/3"
    settings.TMDB_API_KEY = "bench"
    settings.TMDB_READ_TOKEN = ""
    settings.TMDB_RATE_LIMIT = rate
    Film.objects.bulk_create([Film(title=f"Film {n}", sort_title=f"film {n}", tmdb_id=n) for n in range(1, films + 1)])

    # 1. A sync killed a third of the way in.
    env = {
        **os.environ,
        "TMDB_API_URL": settings.TMDB_API_URL,
        "TMDB_API_KEY": "bench",
        "TMDB_RATE_LIMIT": str(rate),
        "MEDIA_ROOT": media,
    }
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", *(["--debug"] if settings.DEBUG else [])], env=env, cwd=ROOT
    )
    synced = Film.objects.filter(tmdb_synced_at__isnull=False)
    while synced.count() < films // 3 and child.poll() is None:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    stored_before = synced.count()
    asked_before = len(movies_seen())
    unsynced = Film.objects.filter(tmdb_synced_at__isnull=True)
    half = (
        unsynced.filter(keywords__isnull=False).count()
        + Credit.objects.filter(film__in=unsynced).count()
        + FilmRelease.objects.filter(film__in=unsynced).count()
    )
    print(f"Killed run: {asked_before} films asked, {stored_before} stored; films left half-stored: {half}")

    # 2. The rerun, timed: it must ask only for what is missing.
    urllib.request.urlopen(f"{server_url}/_reset").close()
    connection.close()
    started, cpu_started = time.monotonic(), time.process_time()
    report = tmdb_enrich()
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu_started
    asked = sorted(int(path.rsplit("/", 1)[-1]) for path in movies_seen() if path != "/_seen")
    missing_before = films - stored_before
    throughput = report.stored / seconds if seconds else 0.0
    print(
        f"Rerun at TMDB_RATE_LIMIT={rate:g}/s: {report.stored} films stored ({report.images_stored} backdrops) in "
        f"{seconds:.1f} s = {throughput:.1f} films/s; {report.failed} failed"
    )
    print(f"  target >= 30 films/s: {'met' if throughput >= 30 else 'MISSED'}")
    load = os.getloadavg()[0]
    print(
        f"  this process used {cpu * 1000 / max(1, report.stored):.0f} ms of CPU per film "
        f"(load average {load:.1f} on {os.cpu_count()} cores while it ran; DEBUG {'on' if settings.DEBUG else 'off'})"
    )
    resumed = len(asked) == missing_before and len(set(asked)) == len(asked)
    print(
        f"  rerun asked for {len(asked)} films, {missing_before} were missing: {'resumed exactly' if resumed else 'MISMATCH'}"
    )
    print(f"  all {Film.objects.filter(tmdb_synced_at__isnull=False).count()} of {films} films synced")
    parent_end.send("stop")
    standin.join(timeout=5)
    parent_end.send("stop")
    standin.join(timeout=5)


if __name__ == "__main__":
    sys.exit(main())
