from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from catalog.models import Film, FilmImage
from reviews.models import Rating
from tests.catalog.ingest_fixtures import ml_1m, write_lines

pytestmark = pytest.mark.django_db


def poster_bytes() -> bytes:
    poster = io.BytesIO()
    Image.new("RGB", (18, 27), "navy").save(poster, "JPEG")
    return poster.getvalue()


def test_load_demo_runs_the_catalogue_pipeline_from_a_mirror(tmp_path):
    mirror = tmp_path / "datasets"
    ml_1m(mirror / "ml-1m")
    write_lines(mirror / "links" / "links.csv", ["movieId,imdbId,tmdbId", "1,0114709,862"])
    write_lines(
        mirror / "ml-1m-extra" / "movies_extrainfos.dat",
        ["1::Toy Story::1995::G::22 Nov 1995::Animation::John Lasseter::N/A::Tom Hanks::Toys come alive.::N/A"],
    )
    (mirror / "ml-1m-posters").mkdir()
    poster = io.BytesIO()
    Image.new("RGB", (18, 27), "navy").save(poster, "JPEG")
    (mirror / "ml-1m-posters" / "1.jpg").write_bytes(poster.getvalue())
    out = StringIO()

    call_command("load_demo", "--mirror", str(mirror), "--catalogue-only", stdout=out)

    toy_story = Film.objects.get(movielens_id=1)
    assert (toy_story.imdb_id, toy_story.plot) == ("tt0114709", "Toys come alive.")
    assert toy_story.poster is not None
    assert Rating.objects.count() == 5
    assert "MovieLens 1M from" in out.getvalue()


def test_load_demo_skips_missing_metadata_and_posters(tmp_path):
    mirror = tmp_path / "datasets"
    ml_1m(mirror / "ml-1m")
    out = StringIO()

    call_command("load_demo", "--mirror", str(mirror), "--catalogue-only", stdout=out)

    assert Film.objects.count() == 3
    assert "Film metadata: no" in out.getvalue() and "Posters: no" in out.getvalue()


def run_load_demo(*argv: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) as manage.py would give them: it exits with a CommandError's returncode
    after printing its message (run in-process here, so the test database stays connected)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("load_demo", *argv, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


def test_a_failed_catalogue_step_stops_the_load_with_a_non_zero_exit_and_the_cause(tmp_path):
    mirror = tmp_path / "datasets"
    ml_1m(mirror / "ml-1m", ratings=["1::1::5::978300760", "1::2::9::978302109"])
    (mirror / "ml-1m-posters").mkdir(parents=True)
    (mirror / "ml-1m-posters" / "1.jpg").write_bytes(poster_bytes())

    status, out, err = run_load_demo("--mirror", str(mirror), "--catalogue-only")

    assert status == 1
    assert "step ingest_movielens failed:" in err and "ratings.dat, line 2: rating 9 is out of range" in err
    assert "Posters" not in out  # the steps after it did not run
    assert Film.objects.count() == 0 and FilmImage.objects.count() == 0


def test_a_failed_later_step_stops_the_steps_after_it(tmp_path, monkeypatch):
    from reviews.management.commands import load_demo

    mirror = tmp_path / "datasets"
    ml_1m(mirror / "ml-1m")
    posters = tmp_path / "more-posters"
    posters.mkdir()
    (posters / "1.jpg").write_bytes(poster_bytes())
    missing = tmp_path / "no-such-metadata.dat"
    monkeypatch.setattr(
        load_demo,
        "LATER_STEPS",
        [("ingest_film_metadata", [str(missing)]), ("ingest_images", [str(posters)])],
    )

    status, out, err = run_load_demo("--mirror", str(mirror))

    assert status == 1
    assert f"step ingest_film_metadata failed: {missing}: no such file or directory" in err
    assert "- ingest_images" not in out and FilmImage.objects.count() == 0
    assert "Demo loaded" not in out


def test_a_step_whose_command_is_missing_is_a_failure_not_a_skip(tmp_path, monkeypatch):
    from reviews.management.commands import load_demo

    mirror = tmp_path / "datasets"
    ml_1m(mirror / "ml-1m")
    monkeypatch.setattr(load_demo, "LATER_STEPS", [("no_such_step", [])])

    with pytest.raises(CommandError, match="step no_such_step failed: no such command"):
        call_command("load_demo", "--mirror", str(mirror), stdout=StringIO())


def test_a_loaded_demo_refreshes_film_titles_without_reimporting_ratings(tmp_path, monkeypatch):
    from reviews.management.commands import load_demo

    mirror = tmp_path / "datasets"
    ml_1m(mirror / "ml-1m")
    call_command("load_demo", "--mirror", str(mirror), "--catalogue-only", stdout=StringIO())
    Film.objects.filter(movielens_id=2).update(title="Matrix, The", sort_title="")  # as an older import wrote it
    monkeypatch.setattr(load_demo, "ML_1M_FILMS", 3)
    monkeypatch.setattr(load_demo, "ML_1M_RATINGS", 5)
    out = StringIO()

    call_command("load_demo", "--mirror", str(mirror), "--catalogue-only", stdout=out)

    assert "already loaded" in out.getvalue() and "0 ratings" in out.getvalue()
    assert Film.objects.values_list("title", "sort_title").get(movielens_id=2) == ("The Matrix", "matrix")
