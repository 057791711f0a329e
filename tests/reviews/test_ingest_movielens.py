from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from catalog.ingest.source import download, resolve_location
from catalog.models import AlternativeTitle, Film, FilmTag
from catalog.services.stats import film_stats_refresh
from reviews.models import Rating
from reviews.movielens import movielens_ingest
from tests.catalog.ingest_fixtures import ml_1m, ml_100k, ml_latest, write_lines, zip_directory
from tests.factories import make_film, make_member, make_rating

pytestmark = pytest.mark.django_db


def ingest(*args: str) -> str:
    out = StringIO()
    call_command("ingest_movielens", *args, stdout=out)
    return out.getvalue()


def alternatives(film: Film) -> set[tuple[str, str]]:
    return set(film.alternative_titles.values_list("source", "title"))


def snapshot() -> tuple:
    films = sorted(
        Film.objects.values_list(
            "movielens_id",
            "title",
            "original_title",
            "sort_title",
            "year",
            "imdb_id",
            "tmdb_id",
            "rating_count",
            "rating_mean",
        ),
        key=repr,
    )
    titles = sorted(AlternativeTitle.objects.values_list("film__movielens_id", "source", "title", "id"))
    genres = sorted(Film.genres.through.objects.values_list("film__movielens_id", "genre__name"))
    ratings = sorted(
        Rating.objects.values_list("user__username", "film__movielens_id", "stars", "created_at", "updated_at")
    )
    members = sorted(User.objects.values_list("username", "imported_from", "external_id", "is_active"))
    return films, titles, genres, ratings, members


def test_it_imports_ml_1m_films_genres_members_and_ratings(tmp_path):
    output = ingest(str(ml_1m(tmp_path / "ml-1m")))

    assert Film.objects.count() == 3
    matrix = Film.objects.get(movielens_id=2)
    assert (matrix.title, matrix.original_title, matrix.sort_title, matrix.year) == ("The Matrix", "", "matrix", 1999)
    city = Film.objects.get(movielens_id=3)
    assert city.title == "The City of Lost Children"
    assert city.original_title == "La Cité des enfants perdus"  # Latin-1 decoded
    assert alternatives(matrix) == {("movielens", "Matrix, The")}
    assert alternatives(city) == {
        ("movielens", "City of Lost Children, The"),
        ("parenthesised", "La Cité des enfants perdus"),
    }
    toy_story = Film.objects.get(movielens_id=1)
    assert sorted(toy_story.genres.values_list("name", flat=True)) == ["Animation", "Children", "Comedy"]

    member = User.objects.get(imported_from="movielens", external_id="2")
    assert member.username == "ml-2" and member.is_active and not member.has_usable_password()
    rating = Rating.objects.get(user=member, film=toy_story)
    assert rating.stars == Decimal("4.0")
    assert rating.created_at == rating.updated_at == dt.datetime.fromtimestamp(978301968, tz=dt.UTC)
    assert Rating.objects.count() == 5

    assert (toy_story.rating_count, toy_story.rating_mean) == (2, 4.5)
    assert "3 films" in output and "5 ratings" in output and "100%" in output


def test_it_imports_ml_100k_with_its_genre_flags_and_release_dates(tmp_path):
    ingest(str(ml_100k(tmp_path / "ml-100k")))

    toy_story = Film.objects.get(movielens_id=1)
    assert toy_story.release_date == dt.date(1995, 1, 1)
    assert sorted(toy_story.genres.values_list("name", flat=True)) == ["Animation", "Children", "Comedy"]
    assert Film.objects.get(movielens_id=2).title == "La Cité des enfants perdus"
    unknown = Film.objects.get(movielens_id=267)
    assert unknown.year is None and unknown.genres.count() == 0
    assert Rating.objects.filter(user__username="ml-196", film=toy_story, stars=Decimal("3")).exists()
    assert Rating.objects.count() == 3


def test_it_imports_the_csv_layout_with_half_stars_links_and_tags(tmp_path):
    ingest(str(ml_latest(tmp_path / "ml-latest-small")))

    president = Film.objects.get(movielens_id=11)
    assert president.title == "The American President"
    assert (president.imdb_id, president.tmdb_id) == ("tt0112346", 9087)
    dice = Film.objects.get(movielens_id=193609)
    assert (dice.imdb_id, dice.tmdb_id, dice.genres.count()) == ("tt0101726", None, 0)
    assert Rating.objects.get(user__external_id="2", film__movielens_id=1).stars == Decimal("0.5")
    assert Rating.objects.get(user__external_id="1", film=president).stars == Decimal("3.5")
    tags = {(t.film.movielens_id, t.tag.name, t.count) for t in FilmTag.objects.select_related("film", "tag")}
    assert tags == {(1, "pixar", 2), (11, "politics, romance", 1)}


def test_it_reads_a_zip_in_place(tmp_path):
    archive = zip_directory(ml_1m(tmp_path / "ml-1m"), tmp_path / "ml-1m.zip", top="ml-1m")
    (tmp_path / "ml-1m" / "ratings.dat").unlink()  # only the zip can supply it

    ingest(str(archive))

    assert (Film.objects.count(), Rating.objects.count()) == (3, 5)


def test_a_second_run_writes_nothing_and_leaves_the_same_rows(tmp_path):
    source = ml_latest(tmp_path / "ml-latest")
    ingest(str(source))
    before = snapshot()

    summary = movielens_ingest(location=source)

    assert snapshot() == before
    assert (summary.films_created, summary.films_updated, summary.members_created, summary.ratings_written) == (
        0,
        0,
        0,
        0,
    )


def test_a_changed_rating_is_updated_and_members_likes_are_kept(tmp_path):
    source = ml_1m(tmp_path / "ml-1m")
    ingest(str(source))
    Rating.objects.filter(user__username="ml-1", film__movielens_id=1).update(liked=True)
    write_lines(source / "ratings.dat", ["1::1::2::978400000"])

    ingest(str(source))

    rating = Rating.objects.get(user__username="ml-1", film__movielens_id=1)
    assert (rating.stars, rating.liked) == (Decimal("2.0"), True)
    assert Film.objects.get(movielens_id=1).rating_mean == 3.0  # 2 (changed) and 4 (member 2)


def test_a_file_rating_a_film_twice_keeps_the_latest(tmp_path):
    ingest(str(ml_1m(tmp_path / "ml-1m", ratings=["1::1::5::100", "1::1::2::200", "1::2::3::50"])))

    assert Rating.objects.get(film__movielens_id=1).stars == Decimal("2")


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("2::1::4", "expected 4 fields, found 3"),
        ("2::one::4::978301968", "movie id 'one' is not a whole number"),
        ("2::99::4::978301968", "movie id 99 is not in the movies file"),
        ("2::1::6::978301968", "rating 6 is out of range"),
        ("2::1::3.3::978301968", "rating 3.3 is out of range"),
        ("2::1::0::978301968", "rating 0 is out of range"),
        ("2::1::four::978301968", "rating 'four' is not a number"),
    ],
)
def test_a_malformed_ratings_file_names_file_and_line_and_changes_nothing(tmp_path, bad_line, message):
    alien = make_film("Alien", year=1979, movielens_id=1214)
    make_rating(make_member("alice"), alien, 4.5)
    before = snapshot()
    source = ml_1m(tmp_path / "ml-1m", ratings=["1::1::5::978300760", "1::2::3::978302109", bad_line])

    with pytest.raises(CommandError) as raised:
        ingest(str(source))

    assert str(source / "ratings.dat") in str(raised.value)
    assert "line 3" in str(raised.value)
    assert message in str(raised.value)
    assert snapshot() == before


def test_a_malformed_csv_ratings_line_counts_the_header(tmp_path):
    source = ml_latest(tmp_path / "ml-latest")
    write_lines(source / "ratings.csv", ["userId,movieId,rating,timestamp", "1,1,4.0,964982703", "1,1,5.5,964982703"])

    with pytest.raises(CommandError, match=r"ratings\.csv, line 3: rating 5\.5 is out of range"):
        ingest(str(source))
    assert Film.objects.count() == 0


def test_a_malformed_movies_file_names_its_line(tmp_path):
    source = ml_1m(tmp_path / "ml-1m", movies=["1::Toy Story (1995)::Comedy", "2::Jumanji (1995)"])

    with pytest.raises(CommandError, match=r"movies\.dat, line 2: expected 3"):
        ingest(str(source))


def test_a_directory_without_movielens_files_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here")

    with pytest.raises(CommandError, match="no MovieLens layout found"):
        ingest(str(tmp_path))


def test_links_from_a_separate_file_skip_ids_another_film_holds(tmp_path):
    links = write_lines(
        tmp_path / "links.csv",
        ["movieId,imdbId,tmdbId", "1,0114709,862", "2,0133093,862", "3,0112682,902", "4000,0999999,1"],
    )
    output = ingest(str(ml_1m(tmp_path / "ml-1m")), "--links", str(links), "--no-ratings")

    assert sorted(Film.objects.values_list("movielens_id", "imdb_id", "tmdb_id")) == [
        (1, "tt0114709", 862),
        (2, "tt0133093", None),  # TMDb 862 is Toy Story's already
        (3, "tt0112682", 902),
    ]
    assert Rating.objects.count() == 0 and User.objects.count() == 0
    assert "3 with links" in output


def test_a_username_held_by_a_real_member_stops_the_import(tmp_path):
    make_member("ml-1")

    with pytest.raises(CommandError, match="usernames already taken by other accounts: ml-1"):
        ingest(str(ml_1m(tmp_path / "ml-1m")))
    assert Film.objects.count() == 0


def test_film_stats_refresh_counts_only_ratings_with_stars(alice, bob, film):
    make_rating(alice, film, 4)
    make_rating(bob, film, None, liked=True)
    other = make_film("Aliens", year=1986)
    Film.objects.filter(pk=other.pk).update(rating_count=7, rating_mean=2.0)

    assert film_stats_refresh(ratings=Rating.objects.all()) == 2

    film.refresh_from_db()
    other.refresh_from_db()
    assert (film.rating_count, film.rating_mean) == (1, 4.0)
    assert (other.rating_count, other.rating_mean) == (0, None)
    assert film_stats_refresh(ratings=Rating.objects.all(), film_ids=[film.pk]) == 0  # nothing left to change


def test_a_short_name_resolves_to_an_earlier_download_without_the_network(tmp_path):
    cached = tmp_path / "ml-1m.zip"
    cached.write_bytes(b"zip")

    assert resolve_location("ml-1m", download_dir=tmp_path) == cached
    assert download("https://files.grouplens.org/datasets/movielens/ml-1m.zip", download_dir=tmp_path) == cached
    assert resolve_location(str(tmp_path), download_dir=tmp_path) == Path(str(tmp_path))


def _rating_table_schema() -> tuple[list, list]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'reviews_rating'::regclass ORDER BY conname"
        )
        constraints = cursor.fetchall()
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'reviews_rating' ORDER BY 1")
        return constraints, cursor.fetchall()


def test_the_bulk_path_for_large_imports_restores_keys_and_indexes_exactly(tmp_path, monkeypatch):
    from django.db import IntegrityError, connection, transaction

    from reviews import movielens

    monkeypatch.setattr(movielens, "BULK_LOAD_MIN_ROWS", 1)
    before = _rating_table_schema()

    ingest(str(ml_1m(tmp_path / "ml-1m")))

    assert _rating_table_schema() == before
    assert Rating.objects.count() == 5
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(user=User.objects.first(), film_id=10**9, stars=Decimal("3"))
        connection.check_constraints()  # the key is deferred, as before: check it now
