"""Background jobs of the reviews app."""

from __future__ import annotations

from cineaesthete.core.jobs import JobProgress, job_actor

from .letterboxd import LetterboxdError, import_archive
from .models import LetterboxdImport


@job_actor(queue_name="imports")
def import_letterboxd(job: JobProgress, *, import_id: int) -> dict:
    """Import an uploaded Letterboxd zip. Safe to run twice: a finished import is left alone, and the import
    itself merges rows the member already has."""
    record = LetterboxdImport.objects.select_related("user").get(pk=import_id)
    if record.state != LetterboxdImport.State.QUEUED:
        return {"state": record.state}
    try:
        with record.file.open("rb") as upload:
            report = import_archive(user=record.user, upload=upload, progress=job.progress)
    except LetterboxdError as error:
        record.state = LetterboxdImport.State.REFUSED
        record.report = {"error": str(error)}
    else:
        record.state = LetterboxdImport.State.DONE
        record.report = report
    record.save(update_fields=["state", "report"])
    return {"state": record.state, **({"error": record.report["error"]} if "error" in record.report else {})}
