from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ...search import VibeQueryError, results_as_json, vibe_search


class Command(BaseCommand):
    help = 'Vibe search from the command line: vibe_search "cold blue isolated atmosphere" -k 20 --json'

    def add_arguments(self, parser) -> None:
        parser.add_argument("query", nargs="?", default="")
        parser.add_argument("-k", type=int, default=20, help="How many films (default 20).")
        parser.add_argument("--colour", action="append", default=[], help="A picked colour #rrggbb (repeatable).")
        parser.add_argument("--genre", help="Genre slug filter.")
        parser.add_argument("--decade", type=int, help="Decade filter, e.g. 1980.")
        parser.add_argument("--json", action="store_true", help="Print a JSON array of results.")

    def handle(self, *, query: str, k: int, colour: list[str], genre, decade, json: bool, **options) -> None:
        if not 1 <= k <= 1000:
            raise CommandError("-k must be between 1 and 1000")
        try:
            results = vibe_search(query=query, colours=colour, genre=genre, decade=decade, limit=k)
        except VibeQueryError as error:
            raise CommandError(str(error)) from error
        payload = results_as_json(results, media_url=settings.MEDIA_URL)
        if json:
            self.stdout.write(_json_dumps(payload["results"]))
            return
        self.stdout.write(f"signals: {payload['signals']}  terms: {payload['terms']}  meaning: {payload['meaning']!r}")
        for rank, item in enumerate(payload["results"], 1):
            reasons = "; ".join(item["reasons"])
            self.stdout.write(f"{rank:3d}. {item['score']:.3f}  {item['title']} ({item['year']})  — {reasons}")


def _json_dumps(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
