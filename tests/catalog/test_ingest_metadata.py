from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.ingest.metadata import parse_names
from catalog.models import Credit, Film, Person
from tests.catalog.ingest_fixtures import write_lines
from tests.factories import make_film, make_person

pytestmark = pytest.mark.django_db

TOY_STORY = (
    "1::Toy Story::1995::G::22 Nov 1995::Animation, Adventure, Comedy::John Lasseter::"
    "John Lasseter (original story by), Andrew Stanton (original story by), Andrew Stanton (screenplay by)::"
    "Tom Hanks, Tim Allen, Don Rickles::A little boy named Andy loves to be in his room.::https://example.com/1.jpg"
)
ALL_ABOUT_MY_MOTHER = (
    "2::Todo sobre mi madre::1999::R::N/A::Drama::Pedro Almodóvar::Pedro Almodóvar::"
    "Cecilia Roth, Penélope Cruz::N/A::N/A"
)
NOT_IN_CATALOGUE = "99::Nothing::2000::N/A::N/A::N/A::N/A::N/A::N/A::N/A::N/A"


def ingest(path) -> str:
    out = StringIO()
    call_command("ingest_film_metadata", str(path), stdout=out)
    return out.getvalue()


def credits_of(film: Film) -> list[tuple[str, int, str, str]]:
    return list(
        Credit.objects.filter(film=film)
        .order_by("role", "order")
        .values_list("role", "order", "person__name", "character")
    )


@pytest.fixture
def films(db):
    return make_film("Toy Story", year=1995, movielens_id=1), make_film("All About My Mother", movielens_id=2)


def test_it_fills_plots_certificates_dates_and_credits_in_billing_order(tmp_path, films):
    toy_story, mother = films
    # Windows line ends, as in the mirror's file.
    path = tmp_path / "movies_extrainfos.dat"
    path.write_bytes("\r\n".join([TOY_STORY, ALL_ABOUT_MY_MOTHER, NOT_IN_CATALOGUE]).encode() + b"\r\n")

    output = ingest(path)

    toy_story.refresh_from_db()
    assert toy_story.plot == "A little boy named Andy loves to be in his room."
    assert (toy_story.certificate, toy_story.release_date) == ("G", dt.date(1995, 11, 22))
    assert credits_of(toy_story) == [
        ("cast", 0, "Tom Hanks", ""),
        ("cast", 1, "Tim Allen", ""),
        ("cast", 2, "Don Rickles", ""),
        ("director", 0, "John Lasseter", ""),
        ("writer", 0, "John Lasseter", "original story by"),
        ("writer", 1, "Andrew Stanton", "original story by, screenplay by"),
    ]
    mother.refresh_from_db()
    assert (mother.plot, mother.certificate, mother.release_date) == ("", "R", None)  # "N/A" is unknown
    assert Person.objects.filter(name="Pedro Almodóvar").count() == 1
    assert "1 not in the catalogue" in output


def test_people_are_deduplicated_by_name_key(tmp_path, films):
    existing = Person.objects.create(name="Penelope Cruz", name_key="penelope cruz")
    ingest(write_lines(tmp_path / "extra.dat", [ALL_ABOUT_MY_MOTHER]))

    assert Person.objects.filter(name_key="penelope cruz").get() == existing
    assert Credit.objects.filter(person=existing, role="cast", order=1).exists()


def test_a_second_run_changes_nothing(tmp_path, films):
    path = write_lines(tmp_path / "extra.dat", [TOY_STORY, ALL_ABOUT_MY_MOTHER])
    ingest(path)
    before = sorted(Credit.objects.values_list("id", "film_id", "person_id", "role", "order", "character"))

    output = ingest(path)

    assert sorted(Credit.objects.values_list("id", "film_id", "person_id", "role", "order", "character")) == before
    assert "0 updated" in output and "0 new people" in output


def test_credits_no_longer_in_the_file_are_removed(tmp_path, films):
    toy_story, _ = films
    stray = make_person("Somebody Else")
    Credit.objects.create(film=toy_story, person=stray, role="cast", order=9)

    ingest(write_lines(tmp_path / "extra.dat", [TOY_STORY]))

    assert not Credit.objects.filter(person=stray).exists()


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("3::Short::1999::R", "expected 11 '::'-separated fields, found 4"),
        ("x::T::1999::R::N/A::N/A::N/A::N/A::N/A::N/A::N/A", "movie id 'x' is not a whole number"),
        ("2::T::1999::R::the 5th of May::N/A::N/A::N/A::N/A::N/A::N/A", "release date 'the 5th of May'"),
    ],
)
def test_a_malformed_line_names_file_and_line_and_changes_nothing(tmp_path, films, bad_line, message):
    path = write_lines(tmp_path / "extra.dat", [TOY_STORY, bad_line])

    with pytest.raises(CommandError) as raised:
        ingest(path)

    assert f"{path}, line 2: {message}" in str(raised.value)
    assert Film.objects.exclude(plot="").count() == 0
    assert (Person.objects.count(), Credit.objects.count()) == (0, 0)


def test_parse_names_strips_notes_without_a_space_and_skips_unknowns():
    names = parse_names("John Lasseter, Ash Brannon(co-director), N/A, ")
    assert [(n.name, n.note) for n in names] == [("John Lasseter", ""), ("Ash Brannon", "co-director")]
