from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cineaesthete import embedded_db


class Command(BaseCommand):
    help = "Start, stop or describe the embedded PostgreSQL server used when DATABASE_URL is unset."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["start", "stop", "status"])

    def handle(self, *args, action: str, **options) -> None:
        if settings.DATABASE_URL:
            raise CommandError("DATABASE_URL is set: the embedded server is not used.")
        pgdata = settings.EMBEDDED_PGDATA
        if action == "stop":
            # Settings already started the server to load; stopping it here is the point of this command.
            from django.db import connections

            connections.close_all()
            stopped = embedded_db.stop(pgdata)
            self.stdout.write("Embedded PostgreSQL stopped." if stopped else "Embedded PostgreSQL was not running.")
            return
        db = settings.DATABASES["default"]
        self.stdout.write(
            f"Embedded PostgreSQL running: data in {pgdata}, socket in {db['HOST']}, database {db['NAME']}"
        )
