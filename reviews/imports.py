"""The life of a Letterboxd import: accepted upload → queued → running → done, refused or failed.

The upload sits in private storage (``PRIVATE_ROOT``, never served) only while the job needs it: it is
deleted when the import ends, whatever the outcome, and ``letterboxd_imports_cleanup`` removes what an
import that never ended left behind. The data and the report are written in one transaction, so an import
either happened with its report or did not happen at all; any error ends it as failed with a message the
member sees (and the import page stops polling).
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from dramatiq.middleware.time_limit import TimeLimitExceeded

from catalog.models import Film
from cineaesthete.core.jobs import job_enqueue
from cineaesthete.core.models import JobRun
from cineaesthete.progress import Progress, no_progress

from .letterboxd import import_archive, import_rows
from .letterboxd_parse import LetterboxdError, check_archive
from .models import LetterboxdImport

logger = logging.getLogger(__name__)

State = LetterboxdImport.State
JOB_ENDED = {JobRun.State.FAILED, JobRun.State.SUCCEEDED}


class ImportBusy(LetterboxdError):
    """The member already has an import queued or running."""


BUSY_MESSAGE = "You already have an import in progress; wait for it to finish before uploading another."


def letterboxd_import_start(*, user, upload: IO[bytes]) -> LetterboxdImport:
    """Check an upload's table of contents, keep it privately, and queue its import.

    Raises LetterboxdError (nothing kept) for a file that is not a Letterboxd export, or ImportBusy while
    another import of the member's is unfinished.
    """
    # The actor's module imports this one, so the actor is looked up when needed.
    from .tasks import import_letterboxd

    check_archive(upload)
    upload.seek(0)
    if LetterboxdImport.objects.filter(user=user, state__in=LetterboxdImport.ACTIVE_STATES).exists():
        raise ImportBusy(BUSY_MESSAGE)
    record = LetterboxdImport(user=user)
    try:
        with transaction.atomic():
            record.save()
            # The file is written only once the row is ours: a refused second upload stores nothing.
            record.file.save("export.zip", File(upload), save=False)
            record.job = job_enqueue(import_letterboxd, import_id=record.pk, created_by=user)
            record.save(update_fields=["file", "job"])
    except IntegrityError:  # a concurrent upload of the same member won the race
        _delete_upload(record)
        raise ImportBusy(BUSY_MESSAGE) from None
    except BaseException:
        _delete_upload(record)
        raise
    return record


def letterboxd_import_run(*, import_id: int, progress: Progress = no_progress) -> dict[str, Any]:
    """Run a queued import. Safe to deliver twice: only one run claims it. A run killed with its worker
    rolled its writes back; its import is then ended as failed (``letterboxd_import_sync``)."""
    claimed = LetterboxdImport.objects.filter(pk=import_id, state=State.QUEUED).update(state=State.RUNNING)
    record = LetterboxdImport.objects.select_related("user").get(pk=import_id)
    if not claimed:
        return {"state": record.state}
    try:
        if not record.file:
            raise LetterboxdError("The upload is no longer here (it was cleaned up); upload the export again.")
        with record.file.open("rb") as upload, transaction.atomic():
            report = import_archive(user=record.user, upload=upload, progress=progress)
            _finish(record, state=State.DONE, report=report)
    except LetterboxdError as error:
        _finish(record, state=State.REFUSED, report={"error": _printable(str(error))})
    except TimeLimitExceeded:
        limit = settings.LETTERBOXD_IMPORT_TIME_LIMIT_S
        _finish(
            record,
            state=State.FAILED,
            report={"error": f"The import took longer than {limit} seconds and was stopped. Nothing was imported."},
        )
        raise RuntimeError(f"Letterboxd import {import_id} passed its time limit") from None
    except Exception as error:
        logger.exception("Letterboxd import %s failed", import_id)
        _finish(
            record,
            state=State.FAILED,
            report={
                "error": f"The import stopped on an unexpected error ({type(error).__name__}). Nothing was "
                "imported; the site's staff can see the details."
            },
        )
        raise
    finally:
        _delete_upload(record)
    return {"state": record.state, **({"error": record.report["error"]} if "error" in record.report else {})}


def _printable(text: str) -> str:
    return text.replace("\x00", "")[:2000]


def _finish(record: LetterboxdImport, *, state: str, report: dict[str, Any]) -> None:
    record.state = state
    record.report = report
    record.finished_at = timezone.now()
    record.save(update_fields=["state", "report", "finished_at"])


def _delete_upload(record: LetterboxdImport) -> None:
    if record.file:
        record.file.delete(save=False)
        if record.pk:
            LetterboxdImport.objects.filter(pk=record.pk).update(file="")


def letterboxd_import_resolve(*, record: LetterboxdImport, entry_index: int, film: Film) -> dict[str, int]:
    """The member says which film an unmatched name meant: import its rows now, and note it in the report."""
    if record.state != State.DONE:
        raise ValidationError("Only a finished import's films can be picked.")
    with transaction.atomic():
        record = LetterboxdImport.objects.select_for_update().get(pk=record.pk)
        unmatched = record.report.get("unmatched", [])
        if not 0 <= entry_index < len(unmatched):
            raise ValidationError("No such unmatched film in this import.")
        entry = unmatched[entry_index]
        if entry.get("resolved_film"):
            raise ValidationError("This film was already picked.")
        created = import_rows(user=record.user, rows=entry["rows"], film=film, lists=record.report.get("lists", {}))
        entry["resolved_film"] = {"id": film.pk, "title": film.title, "year": film.year}
        entry["created"] = created
        record.save(update_fields=["report"])
    return created


def letterboxd_imports_cleanup(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """End imports that were abandoned (their job failed or vanished, or they never finished in time) and
    delete every upload no unfinished import needs, including files no import row points to."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.LETTERBOXD_ABANDONED_AFTER_H)
    abandoned = 0
    for record in LetterboxdImport.objects.filter(state__in=LetterboxdImport.ACTIVE_STATES).select_related("job"):
        job_ended = record.job is not None and record.job.state in JOB_ENDED
        if job_ended or record.created_at < cutoff:
            _finish(
                record,
                state=State.FAILED,
                report={
                    "error": "The import did not finish (the job was lost). Nothing was imported; upload the export again."
                },
            )
            abandoned += 1
    deleted = 0
    for record in LetterboxdImport.objects.exclude(state__in=LetterboxdImport.ACTIVE_STATES).exclude(file=""):
        _delete_upload(record)
        deleted += 1
    kept = set(
        LetterboxdImport.objects.filter(state__in=LetterboxdImport.ACTIVE_STATES)
        .exclude(file="")
        .values_list("file", flat=True)
    )
    root = Path(settings.PRIVATE_ROOT) / "letterboxd"
    if root.is_dir():
        for path in root.rglob("*"):
            name = path.relative_to(settings.PRIVATE_ROOT).as_posix()
            modified = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC)
            if path.is_file() and name not in kept and modified < cutoff:
                path.unlink()
                deleted += 1
    return {"abandoned": abandoned, "deleted": deleted}


def letterboxd_import_sync(*, record: LetterboxdImport) -> LetterboxdImport:
    """An import whose job has ended without ending the import (a worker killed mid-run, then the message
    redelivered) is marked failed, so its page stops waiting."""
    if record.is_active and record.job is not None and record.job.state in JOB_ENDED:
        _finish(
            record,
            state=State.FAILED,
            report={
                "error": "The import did not finish (its worker stopped). Nothing was imported; upload the export again."
            },
        )
        _delete_upload(record)
    return record
