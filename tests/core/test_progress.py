"""One Progress type: services report (stage, done, total); commands and jobs listen the same way."""

from __future__ import annotations

from cineaesthete.core.jobs import JobProgress, job_actor, job_run_inline
from cineaesthete.progress import Progress, no_progress


def count_films(*, films: list[str], progress: Progress = no_progress) -> int:
    """Stands for any long service."""
    for done, _ in enumerate(films, start=1):
        progress("counting films", done, len(films))
    return len(films)


@job_actor
def count_films_job(job: JobProgress, *, films: list[str]) -> int:
    return count_films(films=films, progress=job)


def test_a_service_runs_unwatched_by_default():
    assert count_films(films=["Alien", "Heat"]) == 2


def test_a_command_sees_stage_done_and_total_in_that_order():
    seen: list[tuple[str, int, int]] = []
    count_films(films=["Alien", "Heat", "Ran"], progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert seen == [("counting films", 1, 3), ("counting films", 2, 3), ("counting films", 3, 3)]


def test_a_job_hands_itself_to_the_service_as_its_progress(db):
    job = job_run_inline(count_films_job, films=["Alien", "Heat", "Ran"])
    assert job.result == 3
    assert (job.progress_done, job.progress_total, job.message) == (3, 3, "counting films")
