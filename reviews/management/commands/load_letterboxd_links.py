"""Load curated Letterboxd addresses of catalogue films as trusted links."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.models import Film
from reviews.letterboxd import links_trust
from reviews.letterboxd_parse import MAX_URI


class Command(BaseCommand):
    help = (
        "Load a CSV of Letterboxd addresses (columns: one of film_id, tmdb_id, imdb_id, movielens_id; and uri) "
        "as trusted links, which imports believe even when a row's title differs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, metavar="CSV")

    def handle(self, *args, path: Path, **options) -> None:
        keys = {"film_id": "pk", "tmdb_id": "tmdb_id", "imdb_id": "imdb_id", "movielens_id": "movielens_id"}
        try:
            with path.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        if not rows:
            raise CommandError(f"{path} has no rows.")
        key = next((column for column in keys if column in rows[0]), None)
        if key is None or "uri" not in rows[0]:
            raise CommandError(f"{path} needs a uri column and one of {', '.join(keys)}.")
        wanted: dict[str, str] = {}
        for line, row in enumerate(rows, start=2):
            value, uri = (row.get(key) or "").strip(), (row.get("uri") or "").strip()
            id_pattern = r"tt\d{7,10}" if key == "imdb_id" else r"\d{1,12}"
            if (
                not re.fullmatch(id_pattern, value, flags=re.ASCII)
                or not re.fullmatch(r"https://(boxd\.it|letterboxd\.com)/\S+", uri)
                or len(uri) > MAX_URI
            ):
                raise CommandError(f"{path}, line {line}: {row!r} is not an id and a Letterboxd address.")
            wanted[value] = uri
        values = [v for v in wanted if key == "imdb_id" or re.fullmatch(r"\d{1,12}", v, flags=re.ASCII)]
        films = {
            str(value): pk
            for value, pk in Film.objects.filter(**{f"{keys[key]}__in": values}).values_list(keys[key], "pk")
        }
        count = links_trust(links=[(films[value], uri) for value, uri in wanted.items() if value in films])
        self.stdout.write(f"{count} trusted links loaded; {len(wanted) - count} rows name no catalogue film.")
