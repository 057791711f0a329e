"""The life of an import: private upload, one at a time, clear refusals, failure states, cleanup."""

from __future__ import annotations

import datetime
import io
import json
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from dramatiq.middleware.time_limit import TimeLimitExceeded

from cineaesthete.core.jobs import job_fail
from cineaesthete.core.models import JobRun
from reviews import imports
from reviews.imports import ImportBusy, letterboxd_import_run, letterboxd_import_start, letterboxd_imports_cleanup
from reviews.letterboxd import import_archive
from reviews.letterboxd_parse import LetterboxdError
from reviews.models import DiaryEntry, LetterboxdImport, Rating, Review, WatchlistEntry
from reviews.tasks import import_letterboxd
from tests.reviews import test_letterboxd
from tests.reviews.test_letterboxd import FILES, HEAD, make_zip

pytestmark = pytest.mark.django_db
films = test_letterboxd.films  # the same four films as the import tests (a fixture)

DIARY = f"{HEAD},Rating,Rewatch,Tags,Watched Date"
REVIEWS = f"{HEAD},Rating,Rewatch,Review,Tags,Watched Date"


POLLING = 'hx-trigger="every'


def nothing_written(member) -> bool:
    return not any(model.objects.filter(user=member).exists() for model in (Rating, DiaryEntry, Review, WatchlistEntry))


def start(member, files=FILES) -> LetterboxdImport:
    return letterboxd_import_start(user=member, upload=make_zip(files))


def private_files(settings) -> list[Path]:
    return [path for path in Path(settings.PRIVATE_ROOT).rglob("*") if path.is_file()]


# --- the upload is private ----------------------------------------------------------------------------


def test_an_upload_is_kept_outside_media_and_has_no_url(alice, settings):
    record = start(alice)
    path = Path(record.file.path)
    assert path.is_file() and path.is_relative_to(settings.PRIVATE_ROOT)
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).rglob("*.zip"))
    assert str(alice.pk) in record.file.name and len(path.stem) >= 20  # unguessable name
    with pytest.raises(ValueError, match="no URL"):
        record.file.url  # noqa: B018


@pytest.mark.parametrize("outcome", ["done", "refused", "failed"])
def test_the_upload_is_deleted_whatever_the_outcome(alice, settings, outcome, monkeypatch):
    files = {"ratings.csv": [f"{HEAD},Rating", "2023-01-01,Alien,1979,u,11"]} if outcome == "refused" else FILES
    record = start(alice, files)
    if outcome == "failed":
        monkeypatch.setattr(imports, "import_archive", lambda **kwargs: 1 / 0)
    if outcome == "failed":
        with pytest.raises(ZeroDivisionError):
            letterboxd_import_run(import_id=record.pk)
    else:
        letterboxd_import_run(import_id=record.pk)
    record.refresh_from_db()
    assert record.state == outcome and record.finished_at is not None
    assert not record.file and private_files(settings) == []


def test_the_media_url_of_an_old_style_path_serves_nothing(client, alice, settings):
    record = start(alice)
    assert client.get(f"/media/{record.file.name}").status_code == 404
    assert client.get("/media/imports/letterboxd/").status_code == 404


# --- one at a time, and a size cap --------------------------------------------------------------------


def test_one_unfinished_import_per_member(alice, bob, settings):
    first = start(alice)
    with pytest.raises(ImportBusy):
        start(alice)
    start(bob)  # another member is not held up
    assert LetterboxdImport.objects.filter(user=alice).count() == 1
    assert len(private_files(settings)) == 2
    letterboxd_import_run(import_id=first.pk)
    start(alice)  # once the first ended, a new one is accepted


def test_the_database_refuses_a_second_active_import_too(alice):
    from django.db import IntegrityError, transaction

    start(alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        LetterboxdImport.objects.create(user=alice, state=LetterboxdImport.State.RUNNING)


def test_an_oversized_upload_is_refused_while_streaming_and_nothing_is_stored(client, alice, settings):
    settings.LETTERBOXD_MAX_UPLOAD_BYTES = 64 * 1024
    client.force_login(alice)
    big = SimpleUploadedFile("export.zip", os.urandom(200 * 1024), content_type="application/zip")
    response = client.post(reverse("reviews:letterboxd_import"), {"file": big})
    assert response.status_code == 400 and "larger than" in response.content.decode()
    assert not LetterboxdImport.objects.exists() and private_files(settings) == []


def test_the_upload_page_still_checks_csrf(alice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    upload = SimpleUploadedFile("export.zip", make_zip(FILES).getvalue(), content_type="application/zip")
    assert client.post(reverse("reviews:letterboxd_import"), {"file": upload}).status_code == 403
    assert not LetterboxdImport.objects.exists()


def test_a_second_upload_while_one_runs_is_a_clear_400(client, alice, settings):
    client.force_login(alice)
    for expected in (302, 400):
        upload = SimpleUploadedFile("export.zip", make_zip(FILES).getvalue(), content_type="application/zip")
        response = client.post(reverse("reviews:letterboxd_import"), {"file": upload})
        assert response.status_code == expected
    assert "already have an import in progress" in response.content.decode()
    assert LetterboxdImport.objects.count() == 1 and len(private_files(settings)) == 1


# --- bad values are refusals, never crashes -----------------------------------------------------------


HOSTILE = [
    ({"watched.csv": [HEAD, "2023-01-01,Ali\x00en,1979,u"]}, "NUL"),
    ({"watched.csv": [HEAD, "2023-01-01,Not In Catalogue\x00,1979,u"]}, "NUL"),
    ({"reviews.csv": [REVIEWS, '2023-01-01,Alien,1979,u,4,,"Great\x00",,2023-01-01']}, "NUL"),
    ({"watched.csv": [HEAD, "2023-01-01,Alien,²,u"]}, "not a year"),
    ({"watched.csv": [HEAD, "2023-01-01,Alien,١٩٧٩,u"]}, "not a year"),
    ({"watched.csv": [HEAD, "2023-01-01,Alien,99999,u"]}, "not a year"),
    ({"watched.csv": [HEAD, "2023-01-01,Alien,-1,u"]}, "not a year"),
    ({"watched.csv": [HEAD, "２０２３-01-01,Alien,1979,u"]}, "not a date"),
    ({"watched.csv": [HEAD, "2999-01-01,Alien,1979,u"]}, "in the future"),
    ({"diary.csv": [DIARY, "2023-01-01,Alien,1979,u,4,,,2023-13-01"]}, "not a date"),
    (
        {"diary.csv": [DIARY, f'2023-01-01,Alien,1979,u,4,,"{",".join(f"t{n}" for n in range(21))}",2023-01-01']},
        "At most 20 tags",
    ),
    ({"reviews.csv": [REVIEWS, f"2023-01-01,Alien,1979,u,4,,{'x' * 20001},,2023-01-01"]}, "20,000 characters"),
    ({"reviews.csv": [REVIEWS, "2023-01-01,Alien,1979,u,4,,   ,,2023-01-01"]}, "A review is required"),
    ({"ratings.csv": [f"{HEAD},Rating", "2023-01-01,Alien,1979,u,NaN"]}, "not a rating"),
    ({"ratings.csv": [f"{HEAD},Rating", "2023-01-01,Alien,1979,u,4.25"]}, "not a rating"),
    ({"watched.csv": [HEAD, f"2023-01-01,{'A' * 301},1979,u"]}, "longer than 300"),
    ({"watched.csv": [HEAD, f"2023-01-01,Alien,1979,https://boxd.it/{'x' * 300}"]}, "link longer"),
    ({"watched.csv": [HEAD, "2023-01-01,   ,1979,u"]}, "no name"),
    ({"lists/x.csv": ["Date,Name", "2023-01-01,Mine"]}, "not a Letterboxd list"),
    (
        {
            "lists/x.csv": [
                "Letterboxd list export v7",
                "Date,Name,Tags,URL,Description",
                "2023-01-01,Mine,,,",
                "",
                "Position,Name,Year,URL,Description",
                "one,Alien,1979,u,",
            ]
        },
        "not a position",
    ),
    (
        {"lists/x.csv": ["Letterboxd list export v7", "Date,Name,Tags,URL,Description", "2023-01-01,   ,,,"]},
        "title is required",
    ),
]


@pytest.mark.parametrize(("files", "message"), HOSTILE)
def test_hostile_values_are_clear_refusals_with_nothing_written(alice, films, files, message):
    with pytest.raises(LetterboxdError, match=message):
        import_archive(user=alice, upload=make_zip({"watchlist.csv": FILES["watchlist.csv"], **files}))
    assert nothing_written(alice)


@pytest.mark.parametrize(("files", "message"), HOSTILE[:4])
def test_through_the_job_a_bad_value_ends_refused_and_the_page_stops_polling(client, alice, films, files, message):
    record = start(alice, {"watchlist.csv": FILES["watchlist.csv"], **files})
    letterboxd_import_run(import_id=record.pk)
    record.refresh_from_db()
    assert record.state == LetterboxdImport.State.REFUSED and message in record.report["error"]
    assert nothing_written(alice)
    client.force_login(alice)
    html = client.get(record.get_absolute_url()).content.decode()
    assert POLLING not in html and message in html


def test_too_many_rows_in_all_files_together_are_refused(alice, monkeypatch):
    monkeypatch.setattr("reviews.letterboxd_parse.MAX_ROWS", 10)
    files = {
        "watched.csv": [HEAD] + [f"2023-01-01,Film {n},1979,u" for n in range(6)],
        "watchlist.csv": [HEAD] + [f"2023-01-01,Other {n},1979,u" for n in range(6)],
    }
    with pytest.raises(LetterboxdError, match="more than 10 rows"):
        import_archive(user=alice, upload=make_zip(files))


# --- any failure ends the import, and the data with its report is one transaction ---------------------


def test_an_unexpected_error_rolls_back_the_data_and_marks_the_import_failed(client, alice, films, monkeypatch):
    record = start(alice)

    def breaks_after_writing(stage, done, total):
        assert Rating.objects.filter(user=alice).exists()  # some rows were written ...
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        letterboxd_import_run(import_id=record.pk, progress=breaks_after_writing)
    record.refresh_from_db()
    assert record.state == LetterboxdImport.State.FAILED
    assert "unexpected error (RuntimeError)" in record.report["error"]
    assert nothing_written(alice)  # ... and rolled back with the report
    client.force_login(alice)
    html = client.get(record.get_absolute_url()).content.decode()
    assert POLLING not in html and "Nothing was imported" in html


def test_the_time_limit_stops_the_import_rolls_back_and_tells_the_member(alice, films, settings):
    assert import_letterboxd.options["time_limit"] == settings.LETTERBOXD_IMPORT_TIME_LIMIT_S * 1000
    assert import_letterboxd.queue_name == "imports"
    record = start(alice)

    def interrupted(stage, done, total):  # what Dramatiq's TimeLimit middleware raises in the thread
        raise TimeLimitExceeded()

    with pytest.raises(RuntimeError, match="time limit"):
        letterboxd_import_run(import_id=record.pk, progress=interrupted)
    record.refresh_from_db()
    assert record.state == LetterboxdImport.State.FAILED and "longer than" in record.report["error"]
    assert nothing_written(alice) and not record.file


def test_a_failed_job_ends_a_stuck_import_and_its_page_stops_polling(client, alice):
    record = start(alice)
    client.force_login(alice)
    assert POLLING in client.get(record.get_absolute_url()).content.decode()
    job_fail(record.job, "Traceback: killed", will_retry=False)
    client.force_login(alice)
    html = client.get(record.get_absolute_url()).content.decode()
    record.refresh_from_db()
    assert record.state == LetterboxdImport.State.FAILED and POLLING not in html and not record.file


def test_a_run_killed_with_its_worker_ends_failed_once_the_job_ends(client, alice, films):
    record = start(alice)
    LetterboxdImport.objects.filter(pk=record.pk).update(state=LetterboxdImport.State.RUNNING)  # claimed, then killed
    assert letterboxd_import_run(import_id=record.pk) == {"state": "running"}  # the redelivery does not run it
    JobRun.objects.filter(pk=record.job.pk).update(state=JobRun.State.SUCCEEDED)
    client.force_login(alice)
    html = client.get(record.get_absolute_url()).content.decode()
    record.refresh_from_db()
    assert record.state == LetterboxdImport.State.FAILED and POLLING not in html and "did not finish" in html


def test_a_finished_import_run_again_is_left_alone(alice, films):
    record = start(alice)
    letterboxd_import_run(import_id=record.pk)
    assert letterboxd_import_run(import_id=record.pk) == {"state": "done"}


@pytest.mark.django_db(transaction=True)
def test_the_actor_runs_the_import_with_json_arguments(alice, films, stub_broker, stub_worker, settings):
    record = start(alice)  # sent on commit, which is at once in this test
    arguments = json.loads(json.dumps({"import_id": record.pk}))
    import_letterboxd.send(job_id=record.job.pk, **arguments)  # delivered twice: runs once
    stub_broker.join("imports")
    stub_worker.join()
    record.refresh_from_db()
    record.job.refresh_from_db()
    assert record.state == LetterboxdImport.State.DONE and record.job.state == JobRun.State.SUCCEEDED
    assert private_files(settings) == []


# --- cleanup of abandoned uploads ---------------------------------------------------------------------


def test_cleanup_ends_abandoned_imports_and_deletes_stray_uploads(alice, bob, settings):
    old = start(alice)
    LetterboxdImport.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    fresh = start(bob)
    stray = Path(settings.PRIVATE_ROOT) / "letterboxd" / "999" / "left-behind.zip"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"PK")
    long_ago = (timezone.now() - datetime.timedelta(days=2)).timestamp()
    os.utime(stray, (long_ago, long_ago))
    legacy = Path(settings.MEDIA_ROOT) / "imports" / "letterboxd" / str(alice.pk) / "20240101120000.zip"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"PK")
    out = io.StringIO()
    call_command("cleanup_letterboxd_uploads", stdout=out)
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.state == LetterboxdImport.State.FAILED and not old.file
    assert fresh.state == LetterboxdImport.State.QUEUED and Path(fresh.file.path).is_file()
    assert not stray.exists() and not legacy.exists()
    assert private_files(settings) == [Path(fresh.file.path)]
    assert letterboxd_imports_cleanup() == {"abandoned": 0, "deleted": 0}  # safe to run twice
