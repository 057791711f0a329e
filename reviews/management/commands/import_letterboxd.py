"""Import a Letterboxd export zip for a member from the shell, printing the report."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.letterboxd import import_archive
from reviews.letterboxd_parse import LetterboxdError


class Command(BaseCommand):
    help = "Import a Letterboxd export (.zip) for a member; --dry-run reports without writing anything."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("zip", type=Path, help="the export zip")
        parser.add_argument("--user", required=True, help="the member's username")
        parser.add_argument("--dry-run", action="store_true", help="parse and match, write nothing")
        parser.add_argument("--json", action="store_true", help="print the whole report as JSON")

    def handle(self, *args, zip: Path, user: str, dry_run: bool, json: bool, **options) -> None:
        member = get_user_model().objects.filter(username=user).first()
        if member is None:
            raise CommandError(f"No member called {user!r}.")
        if not zip.is_file():
            raise CommandError(f"{zip} is not a file.")
        try:
            with zip.open("rb") as upload:
                report = import_archive(user=member, upload=upload, dry_run=dry_run)
        except LetterboxdError as error:
            raise CommandError(str(error)) from None
        if json:
            self.stdout.write(jsonlib.dumps(_printable(report), indent=2, ensure_ascii=False))
            return
        for name, counts in report["files"].items():
            self.stdout.write(f"{name}: {counts['matched']}/{counts['rows']} rows matched")
        created = ", ".join(f"{n} {what}" for what, n in report["created"].items())
        self.stdout.write(f"{'Would create' if dry_run else 'Created'}: {created}.")
        for entry in report["unmatched"]:
            close = "; ".join(f"{c['title']} ({c['year']}) #{c['id']}" for c in entry["candidates"]) or "none"
            self.stdout.write(
                f"unmatched: {entry['name']} ({entry['year'] or '?'}) in {entry['file']}; closest: {close}"
            )


def _printable(report: dict) -> dict:
    """The report without the raw rows kept for the web page's picker."""
    return {
        **report,
        "unmatched": [{k: v for k, v in entry.items() if k != "rows"} for entry in report["unmatched"]],
    }
