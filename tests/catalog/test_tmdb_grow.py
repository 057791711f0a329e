"""Growing the catalogue from TMDb: the daily id export, /movie/changes and the staff import by id or URL."""

from __future__ import annotations

import gzip
import io

import pytest
from django.core.management import CommandError, call_command

from catalog.ingest.errors import IngestError
from catalog.models import Film
from catalog.tmdb.client import TMDbNotFound
from catalog.tmdb.grow import tmdb_changes_sync, tmdb_film_import, tmdb_ids_file_import, tmdb_reference_parse
from cineaesthete.core.models import JobRun
from tests.catalog.tmdb_server import RECORDED, Reply, recorded
from tests.factories import make_film

pytestmark = pytest.mark.django_db

EXPORT = (RECORDED / "movie_ids_sample.jsonl").read_bytes()


@pytest.fixture
def configured(tmdb):
    configuration = recorded("configuration.json")
    configuration["images"]["secure_base_url"] = f"{tmdb.url}/t/p/"
    tmdb.route("/3/configuration", Reply(body=configuration))
    return tmdb


def write_export(tmp_path, content: bytes, *, truncate_to: int | None = None):
    data = gzip.compress(content)
    path = tmp_path / "movie_ids_11_27_2026.json.gz"
    path.write_bytes(data[:truncate_to] if truncate_to else data)
    return path


def test_the_id_export_adds_popular_films_and_leaves_out_adult_videos_and_known(tmp_path, settings):
    settings.TMDB_POPULARITY_FLOOR = 5.0
    make_film("Fight Club", year=1999, tmdb_id=550)
    report = tmdb_ids_file_import(source=str(write_export(tmp_path, EXPORT)))
    assert (report.lines, report.added, report.known, report.below_floor, report.adult, report.videos) == (
        6,
        2,
        1,
        1,
        1,
        1,
    )
    assert set(Film.objects.filter(pk__in=report.film_ids).values_list("tmdb_id", "title")) == {
        (603, "The Matrix"),
        (496243, "기생충"),
    }
    again = tmdb_ids_file_import(source=str(write_export(tmp_path, EXPORT)))
    assert again.added == 0 and again.known == 3  # safe to re-run


def test_a_truncated_export_keeps_the_lines_before_the_break_and_says_so(tmp_path):
    big = b"".join(
        b'{"adult":false,"id":%d,"original_title":"Film %d","popularity":50.0,"video":false}\n' % (n, n)
        for n in range(1, 3001)
    )
    report = tmdb_ids_file_import(source=str(write_export(tmp_path, big, truncate_to=len(gzip.compress(big)) // 2)))
    assert report.truncated and 0 < report.added < 3000
    assert "the file is truncated after line" in report.problems[0]


def test_bad_lines_are_counted_and_named(tmp_path):
    content = EXPORT + b"not json\n" + b'{"id": "x"}\n'
    report = tmdb_ids_file_import(source=str(write_export(tmp_path, content)))
    assert report.bad_lines == 2 and report.problems[0].startswith("line 7: skipped")


def test_a_file_that_is_not_gzip_is_a_clear_error(tmp_path):
    path = tmp_path / "ids.json.gz"
    path.write_bytes(b"plain text")
    with pytest.raises(IngestError, match="not a gzipped TMDb id export"):
        tmdb_ids_file_import(source=str(path))
    with pytest.raises(IngestError, match="no such file"):
        tmdb_ids_file_import(source=str(tmp_path / "missing.gz"))


def test_the_command_reads_the_export_from_a_url_and_enriches_what_it_added(configured, settings):
    settings.TMDB_POPULARITY_FLOOR = 80.0
    configured.route("/p/exports/movie_ids.json.gz", Reply(body=gzip.compress(EXPORT), content_type="application/gzip"))
    configured.route("/3/movie/603", Reply(body=recorded("movie_603.json")))
    out = io.StringIO()
    call_command(
        "sync_tmdb", "--ids-file", f"{configured.url}/p/exports/movie_ids.json.gz", stdout=out, stderr=io.StringIO()
    )
    assert "1 films added" in out.getvalue() and "1 stored" in out.getvalue()
    matrix = Film.objects.get(tmdb_id=603)
    assert (matrix.title, matrix.year, matrix.runtime_minutes) == ("The Matrix", 1999, 136)
    assert sorted(matrix.genres.values_list("name", flat=True)) == ["Action", "Science Fiction"]


def test_changes_resync_only_our_films_that_tmdb_changed(configured):
    fight_club = make_film("Fight Club", year=1999, tmdb_id=550)
    untouched = make_film("The Matrix", year=1999, tmdb_id=603)
    configured.route("/3/movie/changes", Reply(body=recorded("movie_changes.json")))
    configured.route("/3/movie/550", Reply(body=recorded("movie_550_appended.json") | {"images": {}}))
    report = tmdb_changes_sync(days=2)
    assert report.stored == 1
    assert [path for path in configured.paths_seen() if path.startswith("/3/movie/")] == [
        "/3/movie/changes",
        "/3/movie/550",
    ]
    changes_query = next(seen.query for seen in configured.seen if seen.path == "/3/movie/changes")
    assert set(changes_query) >= {"start_date", "end_date", "page"}
    fight_club.refresh_from_db()
    untouched.refresh_from_db()
    assert fight_club.tmdb_synced_at is not None and untouched.tmdb_synced_at is None


@pytest.mark.parametrize(
    ("text", "tmdb_id"),
    [
        ("603", 603),
        (" https://www.themoviedb.org/movie/603-the-matrix ", 603),
        ("themoviedb.org/movie/496243?language=ko", 496243),
        ("https://evil.example/movie/603", None),
        ("tt0133093", None),
        ("0", None),
        ("603\x00", None),
        ("9" * 400, None),
    ],
)
def test_references_are_an_id_or_a_tmdb_film_url(text, tmdb_id):
    assert tmdb_reference_parse(text) == tmdb_id


def test_a_single_import_makes_the_film_and_an_unknown_id_makes_nothing(configured):
    configured.route("/3/movie/603", Reply(body=recorded("movie_603.json")))
    imported = tmdb_film_import(tmdb_id=603)
    assert imported.created and imported.film.title == "The Matrix" and imported.film.tmdb_synced_at
    assert tmdb_film_import(tmdb_id=603).created is False
    with pytest.raises(TMDbNotFound):
        tmdb_film_import(tmdb_id=999_999)
    assert not Film.objects.filter(tmdb_id=999_999).exists()


# --- the staff page in admin ------------------------------------------------------------------------


def test_admin_import_page_is_for_staff_only(client, alice):
    url = "/admin/catalog/film/import-tmdb/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(alice)
    assert client.get(url).status_code == 302
    assert not JobRun.objects.exists()


def test_staff_import_by_url_queues_one_job(client, staff, configured, stub_broker):
    client.force_login(staff)
    response = client.post(
        "/admin/catalog/film/import-tmdb/", {"reference": "https://www.themoviedb.org/movie/603-the-matrix"}
    )
    assert response.status_code == 302
    job = JobRun.objects.get()
    assert job.arguments == {"tmdb_id": 603}


@pytest.mark.parametrize("reference", ["", "tt0133093", "603\x00", "x" * 301, "https://evil.example/movie/1"])
def test_staff_import_rejects_hostile_input_and_writes_nothing(client, staff, configured, reference):
    client.force_login(staff)
    response = client.post("/admin/catalog/film/import-tmdb/", {"reference": reference})
    assert response.status_code in {200, 400}
    assert not JobRun.objects.exists() and not Film.objects.exists()


def test_without_a_key_the_admin_page_says_so(client, staff, settings):
    settings.TMDB_API_KEY = settings.TMDB_READ_TOKEN = ""
    client.force_login(staff)
    assert "TMDb is not configured" in client.get("/admin/catalog/film/import-tmdb/").content.decode()
    response = client.post("/admin/catalog/film/import-tmdb/", {"reference": "603"})
    assert "TMDb is not configured" in response.content.decode() and not JobRun.objects.exists()


def test_the_command_refuses_nonsense_arguments():
    with pytest.raises(CommandError, match="say what to sync"):
        call_command("sync_tmdb")
