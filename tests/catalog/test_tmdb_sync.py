"""`sync_tmdb --enrich` against recorded TMDb responses served by a local stand-in (tests/catalog/tmdb_server.py)."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from catalog.models import AlternativeTitle, Credit, FilmImage, FilmRelease, Genre, Person
from catalog.tasks import sync_tmdb
from catalog.tmdb.client import TMDbAuthError
from catalog.tmdb.sync import tmdb_enrich
from cineaesthete.core.jobs import job_enqueue
from cineaesthete.core.models import JobRun
from tests.catalog.tmdb_server import Reply, recorded
from tests.factories import make_film

pytestmark = pytest.mark.django_db

BACKDROPS = ["/hZkgoQYus5vegHoetLkCJzb17zJ.jpg", "/xRyINp9KfMLVjRiO5nCsoRDdvvF.jpg", "/rr7E0NoGKxvbkb89eR1GwfoYjpA.jpg"]


def jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (78, 44)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def tmdb_films(tmdb):
    """The stand-in serves /configuration (its image base URL pointed at itself), Fight Club and its backdrops."""
    configuration = recorded("configuration.json")
    configuration["images"]["secure_base_url"] = f"{tmdb.url}/t/p/"
    tmdb.route("/3/configuration", Reply(body=configuration))
    tmdb.route("/3/movie/550", Reply(body=recorded("movie_550_appended.json")))
    for number, path in enumerate(BACKDROPS):
        tmdb.route(f"/t/p/w780{path}", Reply(body=jpeg((40 * number, 10, 200)), content_type="image/jpeg"))
    return tmdb


def movie_requests(server) -> list[str]:
    return [path for path in server.paths_seen() if path.startswith("/3/movie/")]


def test_enrich_stores_every_part_of_tmdbs_answer(tmdb_films):
    film = make_film("Fight Club", year=1999, tmdb_id=550, movielens_id=2959)
    report = tmdb_enrich()
    assert (report.stored, report.failed, report.images_stored) == (1, 0, 3)
    film.refresh_from_db()
    assert film.tagline == "Mischief. Mayhem. Soap."
    assert film.runtime_minutes == 139
    assert film.original_language == "en"
    assert film.countries == ["DE", "US"]
    assert film.plot.startswith("A ticking-time-bomb insomniac")
    assert film.certificate == "R"  # the US theatrical release's
    assert film.imdb_id == "tt0137523"
    assert film.trailer_youtube_key == "BdJKm16Co6M"  # the earliest official trailer
    assert film.tmdb_synced_at is not None
    assert sorted(film.keywords.values_list("name", flat=True))[:2] == ["dual identity", "nihilism"]
    assert FilmRelease.objects.filter(film=film, country="US").count() == 3
    assert FilmRelease.objects.get(film=film, country="DE").certification == "18"
    assert set(AlternativeTitle.objects.filter(film=film, source="tmdb").values_list("title", "country")) == {
        ("Clube da Luta", "BR"),
        ("El club de la lucha", "ES"),
        ("El club de la pelea", "MX"),
    }
    crew = {(c.person.name, c.role, c.job) for c in Credit.objects.filter(film=film).select_related("person")}
    assert ("Jeff Cronenweth", "crew", "Director of Photography") in crew
    assert ("The Dust Brothers", "crew", "Original Music Composer") in crew
    assert ("James Haygood", "crew", "Editor") in crew
    assert ("Alex McDowell", "crew", "Production Design") in crew
    assert ("David Fincher", "director", "") in crew
    assert ("David Fincher", "crew", "Executive Producer") in crew
    assert ("Jim Uhls", "writer", "") in crew
    assert ("Brad Pitt", "cast", "") in crew
    assert Person.objects.get(name="David Fincher").tmdb_id == 7467
    backdrops = FilmImage.objects.filter(film=film, kind=FilmImage.Kind.BACKDROP)
    assert backdrops.count() == 3 and {image.width for image in backdrops} == {78}
    assert film.poster_id is None  # a backdrop never becomes the poster


def test_a_film_tmdb_brought_in_takes_its_genres_matching_ours_whatever_the_case(tmdb_films):
    make_film("Other", genres=("drama",))  # our genre, spelt in lower case
    film = make_film("Film 550", year=None, tmdb_id=550)  # no MovieLens id: TMDb brought it in
    assert tmdb_enrich().stored == 1
    assert sorted(film.genres.values_list("name", flat=True)) == ["Thriller", "drama"]
    assert Genre.objects.count() == 2


def test_an_image_the_film_already_has_is_not_stored_again(tmdb_films):
    film = make_film("Fight Club", year=1999, tmdb_id=550)
    # The film already has the first backdrop's bytes (say, from a folder import), under no TMDb source.
    content = jpeg((0, 10, 200))
    FilmImage.objects.create(
        film=film, kind=FilmImage.Kind.STILL, content_hash=hashlib.sha256(content).hexdigest(), width=78, height=44
    )
    report = tmdb_enrich()
    assert (report.stored, report.images_stored) == (1, 2)
    assert FilmImage.objects.filter(film=film).count() == 3


def test_a_rerun_fetches_only_what_is_missing(tmdb_films):
    make_film("Fight Club", year=1999, tmdb_id=550)
    make_film("Gone", year=2001, tmdb_id=999_001)
    tmdb_enrich()
    assert sorted(movie_requests(tmdb_films)) == ["/3/movie/550", "/3/movie/999001"]
    tmdb_films.seen.clear()
    second = tmdb_enrich()
    # The stored film is not asked for again; the one TMDb did not have is (it may come back).
    assert movie_requests(tmdb_films) == ["/3/movie/999001"]
    assert second.stored == 0 and second.not_found == 1


def test_existing_people_are_adopted_not_duplicated(tmdb_films):
    fincher = Person.objects.create(name="David Fincher", name_key="david fincher")
    film = make_film("Fight Club", year=1999, tmdb_id=550)
    Credit.objects.create(film=film, person=fincher, role=Credit.Role.DIRECTOR)
    tmdb_enrich()
    fincher.refresh_from_db()
    assert fincher.tmdb_id == 7467
    assert Person.objects.filter(name="David Fincher").count() == 1
    assert Credit.objects.filter(film=film, person=fincher, role=Credit.Role.DIRECTOR).count() == 1


@pytest.mark.parametrize(
    ("reply", "line"),
    [
        (Reply(404, recorded("error_404.json")), "TMDb no longer has this film (deleted or merged)"),
        (Reply(503, b"<html>down</html>", content_type="text/html"), "TMDb /movie/550: HTTP 503 (3 attempts)"),
        (Reply(200, b'{"id": 550, "title": "Fi'), "TMDb /movie/550: malformed JSON (3 attempts)"),
        (
            Reply(429, recorded("error_429.json"), headers={"Retry-After": "0"}),
            "TMDb /movie/550: HTTP 429 (3 attempts)",
        ),
    ],
    ids=["404-deleted", "5xx", "malformed-json", "429"],
)
def test_a_failing_film_is_one_line_and_leaves_nothing_half_stored(tmdb_films, reply, line):
    broken = make_film("Fight Club", year=1999, tmdb_id=550)
    tmdb_films.route("/3/movie/550", reply)
    fine = make_film("Se7en", year=1995, tmdb_id=807)
    tmdb_films.route(
        "/3/movie/807",
        Reply(
            body=recorded("movie_550_appended.json")
            | {"id": 807, "imdb_id": "tt0114369", "external_ids": {"imdb_id": "tt0114369"}}
        ),
    )
    report = tmdb_enrich()
    assert report.stored == 1
    assert [problem for problem in report.problems if problem.startswith("Fight Club")] == [
        f"Fight Club (TMDb 550): {line}"
        if "TMDb no longer" not in line
        else f"Fight Club (TMDb 550): {line}; left as is"
    ]
    broken.refresh_from_db()
    assert broken.tmdb_synced_at is None and broken.tagline == ""
    assert not broken.keywords.exists() and not broken.credits.exists() and not broken.images.exists()
    fine.refresh_from_db()
    assert fine.tmdb_synced_at is not None


def test_missing_and_mistyped_fields_are_skipped_not_guessed(tmdb_films):
    film = make_film("Fight Club", year=1999, tmdb_id=550, runtime_minutes=130)
    tmdb_films.route(
        "/3/movie/550",
        Reply(
            body={
                "id": 550,
                "title": "Fight Club",
                "runtime": "long",
                "credits": {"crew": [{"id": "x"}, None]},
                "keywords": [],
            }
        ),
    )
    report = tmdb_enrich()
    assert report.stored == 1 and report.failed == 0
    film.refresh_from_db()
    assert film.runtime_minutes == 130 and film.countries == [] and film.trailer_youtube_key == ""
    assert film.tmdb_synced_at is not None


def test_a_changed_imdb_id_is_taken_and_reported(tmdb_films):
    film = make_film("Fight Club", year=1999, tmdb_id=550, imdb_id="tt0000550")
    report = tmdb_enrich()
    film.refresh_from_db()
    assert film.imdb_id == "tt0137523"
    assert "Fight Club (TMDb 550): IMDb id changed from tt0000550 to tt0137523" in report.problems


def test_an_imdb_id_held_by_another_film_is_kept_and_reported(tmdb_films):
    make_film("Other", year=1999, imdb_id="tt0137523")
    film = make_film("Fight Club", year=1999, tmdb_id=550, imdb_id="tt0000550")
    report = tmdb_enrich()
    film.refresh_from_db()
    assert film.imdb_id == "tt0000550" and film.tmdb_synced_at is not None
    assert any("IMDb id tt0137523, which is already Other (1999); kept tt0000550" in line for line in report.problems)


def test_an_answer_for_a_tmdb_id_another_film_holds_stores_nothing(tmdb_films):
    make_film("Fight Club", year=1999, tmdb_id=550)
    merged = make_film("Fight Club (duplicate)", year=1999, tmdb_id=551)
    tmdb_films.route("/3/movie/551", Reply(body=recorded("movie_550_appended.json")))  # TMDb merged 551 into 550
    report = tmdb_enrich(film_ids=[merged.pk])
    merged.refresh_from_db()
    assert report.failed == 1 and merged.tmdb_synced_at is None
    assert "answered with film 550, which is already Fight Club (1999); nothing stored" in report.problems[0]


def test_undecodable_and_enormous_images_are_reported_and_the_film_kept(tmdb_films, settings):
    film = make_film("Fight Club", year=1999, tmdb_id=550)
    tmdb_films.route(f"/t/p/w780{BACKDROPS[0]}", Reply(body=b"\xff\xd8not really a jpeg", content_type="image/jpeg"))
    tmdb_films.route(f"/t/p/w780{BACKDROPS[1]}", Reply(body=jpeg((1, 2, 3), (4000, 3000)), content_type="image/jpeg"))
    settings.TMDB_IMAGE_MAX_BYTES = 30_000
    report = tmdb_enrich()
    assert report.stored == 1 and report.images_stored == 1
    assert any(BACKDROPS[0] in line and "not a JPEG, PNG, WebP or GIF image" in line for line in report.problems)
    assert any(BACKDROPS[1] in line and "over the 30,000" in line for line in report.problems)
    assert film.images.count() == 1


def test_an_invalid_key_stops_the_sync_with_one_message(tmdb_films):
    make_film("Fight Club", year=1999, tmdb_id=550)
    tmdb_films.route("/3/configuration", Reply(401, recorded("error_401.json")))
    with pytest.raises(
        CommandError, match=r"^TMDb refused the key or token \(401 on /configuration\): Invalid API key"
    ):
        call_command("sync_tmdb", "--enrich", stdout=io.StringIO(), stderr=io.StringIO())
    assert movie_requests(tmdb_films) == []


def test_a_key_revoked_mid_sync_stops_it(tmdb_films):
    for tmdb_id in (550, 551, 552):
        make_film(f"Film {tmdb_id}", tmdb_id=tmdb_id)
        tmdb_films.route(f"/3/movie/{tmdb_id}", Reply(401, recorded("error_401.json")))
    with pytest.raises(TMDbAuthError):
        tmdb_enrich(workers=1)
    assert len(movie_requests(tmdb_films)) == 1


def test_without_a_key_the_command_says_it_is_not_configured(settings):
    settings.TMDB_API_KEY = settings.TMDB_READ_TOKEN = ""
    with pytest.raises(CommandError, match="TMDb is not configured: set TMDB_API_KEY or TMDB_READ_TOKEN"):
        call_command("sync_tmdb", "--enrich")


def test_the_command_reports_counts_and_problem_lines(tmdb_films):
    make_film("Fight Club", year=1999, tmdb_id=550)
    make_film("Gone", year=2001, tmdb_id=999_001)
    out, err = io.StringIO(), io.StringIO()
    call_command("sync_tmdb", "--enrich", stdout=out, stderr=err)
    assert "Enrich: 2 films, 1 stored, 1 gone from TMDb, 0 failed, 3 images" in out.getvalue()
    assert "Gone (TMDb 999001): TMDb no longer has this film" in err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_job_runs_through_the_broker_with_json_arguments(tmdb_films, stub_broker, stub_worker):
    film = make_film("Fight Club", year=1999, tmdb_id=550)
    job = job_enqueue(sync_tmdb, **json.loads(json.dumps({"film_ids": [film.pk]})))  # sent on commit: at once here
    stub_broker.join(sync_tmdb.queue_name)
    stub_worker.join()
    job.refresh_from_db()
    assert job.state == JobRun.State.SUCCEEDED, job.error
    assert job.result["enrich"]["stored"] == 1


def test_new_backdrops_and_texts_are_queued_for_vibe_search_and_cold_start(
    tmdb_films, stub_broker, django_capture_on_commit_callbacks
):
    film = make_film("Fight Club", year=1999, tmdb_id=550)
    with django_capture_on_commit_callbacks(execute=True):
        tmdb_enrich()
    jobs = {job.kind: job.arguments for job in JobRun.objects.all()}
    assert jobs == {"embed_images": {}, "embed_texts": {"film_ids": [film.pk]}}
