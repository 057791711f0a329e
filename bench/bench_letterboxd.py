"""Letterboxd round trip on the demo member: how many of their films an export brings back.

    python bench/bench_letterboxd.py [--username demo]

Needs the demo data (`make demo`). Two measures, both dry runs (nothing is written):
- round trip: the member's own export from this site, imported as it is;
- as Letterboxd writes it: the same rows with Letterboxd's habits (article in front, the main title
  without the parenthesised alternative, boxd.it links instead of this site's, no ids), so only titles
  and years can match.
Each must print 100%. Then the time of a large import: every catalogue film (up to 4,000) watched, rated,
logged and on the watchlist, as one export.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cineaesthete.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402

from catalog.models import Film  # noqa: E402
from reviews.letterboxd import export_member, import_archive  # noqa: E402
from reviews.letterboxd_match import PARENTHESES  # noqa: E402

MOVED_ARTICLE = re.compile(r"^(.*\S),\s*(The|A|An|Le|La|Les|L'|Il|El|Der|Die|Das)$")


def letterboxd_name(title: str) -> str:
    main = PARENTHESES.sub(" ", title).strip() or title
    if m := MOVED_ARTICLE.match(main):
        head, article = m.groups()
        return f"{article}{'' if article.endswith(chr(39)) else ' '}{head}"
    return main


def as_letterboxd_writes_it(export: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(export))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            rows = list(csv.reader(io.StringIO(source.read(name).decode())))
            if name.startswith("lists/"):
                head, body = rows[:5], rows[5:]
                body = [[r[0], letterboxd_name(r[1]), r[2], f"https://boxd.it/l{n}", r[4]] for n, r in enumerate(body)]
                rows = head + body
            else:
                body = [
                    [r[0], letterboxd_name(r[1]), r[2], f"https://boxd.it/{n}", *r[4:]] for n, r in enumerate(rows[1:])
                ]
                rows = rows[:1] + body
            text = io.StringIO(newline="")
            csv.writer(text, lineterminator="\n").writerows(rows)
            target.writestr(name, text.getvalue())
    return buffer.getvalue()


def large_export(limit: int = 4000) -> bytes:
    films = list(Film.objects.order_by("pk").values_list("title", "year")[:limit])
    head = ["Date", "Name", "Year", "Letterboxd URI"]
    files = {
        "watched.csv": (head, lambda n, t, y: ["2023-01-01", t, y, f"https://boxd.it/w{n}"]),
        "ratings.csv": ([*head, "Rating"], lambda n, t, y: ["2023-01-02", t, y, f"https://boxd.it/w{n}", "3.5"]),
        "diary.csv": (
            [*head, "Rating", "Rewatch", "Tags", "Watched Date"],
            lambda n, t, y: ["2023-01-03", t, y, f"https://boxd.it/d{n}", "4", "", "cinema", "2023-01-03"],
        ),
        "watchlist.csv": (head, lambda n, t, y: ["2023-01-04", t, y, f"https://boxd.it/w{n}"]),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (columns, row) in files.items():
            text = io.StringIO(newline="")
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(row(n, title, year or "") for n, (title, year) in enumerate(films))
            archive.writestr(name, text.getvalue())
    return buffer.getvalue()


def rate(report: dict) -> tuple[int, int]:
    rows = sum(counts["rows"] for counts in report["files"].values())
    matched = sum(counts["matched"] for counts in report["files"].values())
    return matched, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--username", default="demo")
    args = parser.parse_args()
    member = get_user_model().objects.filter(username=args.username).first()
    if member is None:
        sys.exit(f"No member {args.username!r}: load the demo data first (make demo).")
    export = export_member(user=member)
    watched = zipfile.ZipFile(io.BytesIO(export)).read("watched.csv").decode()
    print(f"Member {args.username!r}: {len(list(csv.reader(io.StringIO(watched)))) - 1} films in the export")
    for label, archive in (("round trip", export), ("as Letterboxd writes it", as_letterboxd_writes_it(export))):
        started = time.perf_counter()
        report = import_archive(user=member, upload=io.BytesIO(archive), dry_run=True)
        elapsed = time.perf_counter() - started
        matched, rows = rate(report)
        print(
            f"{label:>24}: {matched}/{rows} rows matched ({100 * matched / max(rows, 1):.1f}%), "
            f"{len(report['unmatched'])} films unmatched, {elapsed:.2f} s"
        )
        for entry in report["unmatched"][:10]:
            print(f"{'':>26}unmatched: {entry['name']} ({entry['year']})")
    fresh = get_user_model()(username="bench-letterboxd-large")
    with transaction.atomic():
        fresh.save()
        started = time.perf_counter()
        report = import_archive(user=fresh, upload=io.BytesIO(large_export()), dry_run=True)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    matched, rows = rate(report)
    print(f"{'large import':>24}: {rows} rows ({matched} matched) for a new member in {elapsed:.1f} s (dry run)")


if __name__ == "__main__":
    main()
