from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from cineaesthete import embedded_db
from cineaesthete.db_backend.base import embedded_connection_settings


class Command(BaseCommand):
    help = "Start, stop or describe the embedded PostgreSQL server used when DATABASE_URL is unset."
    # Stopping must not need (or start) the server it stops.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["start", "stop", "status"])

    def handle(self, *args, action: str, **options) -> None:
        if settings.DATABASE_URL:
            raise CommandError("DATABASE_URL is set: the embedded server is not used.")
        pgdata = settings.EMBEDDED_PGDATA
        if action == "stop":
            connections.close_all()
            stopped = embedded_db.stop(pgdata)
            self.stdout.write("Embedded PostgreSQL stopped." if stopped else "Embedded PostgreSQL was not running.")
            return
        if action == "status" and not embedded_db.is_running(pgdata):
            self.stdout.write(f"Embedded PostgreSQL is not running (data in {pgdata}).")
            return
        db = embedded_connection_settings(settings.DATABASES["default"])
        self.stdout.write(
            f"Embedded PostgreSQL running: data in {pgdata}, socket in {db['HOST']}, database {db['NAME']}"
        )
