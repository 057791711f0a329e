from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.management import call_command
from PIL import Image

from catalog.models import Film
from reviews.models import Rating
from tests.catalog.ingest_fixtures import ml_1m, write_lines

pytestmark = pytest.mark.django_db


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
