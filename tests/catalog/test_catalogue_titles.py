"""Display titles on pages, sorting by sort title, alternative titles through import, migration and search."""

from __future__ import annotations

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from catalog.models import AlternativeTitle, Film
from tests.catalog.ingest_fixtures import ml_1m, write_lines
from tests.factories import make_film

pytestmark = pytest.mark.django_db

MOVIES = [
    "1250::Bridge on the River Kwai, The (1957)::Drama|War",
    "2019::Seven Samurai (The Magnificent Seven) (Shichinin no samurai) (1954)::Action|Drama",
    "293::Professional, The (a.k.a. Leon: The Professional) (1994)::Crime|Drama",
    "2::Matrix, The (1999)::Action|Sci-Fi|Thriller",
    "1::Toy Story (1995)::Animation|Children's|Comedy",
    "3::Avventura, L' (1960)::Drama",
]


def ingest(directory) -> None:
    call_command("ingest_movielens", str(directory), "--no-ratings", stdout=StringIO())


def alternatives(movielens_id: int) -> set[tuple[str, str]]:
    return set(AlternativeTitle.objects.filter(film__movielens_id=movielens_id).values_list("source", "title"))


def test_pages_show_display_titles_never_the_movielens_form(client, tmp_path):
    ingest(ml_1m(tmp_path / "ml-1m", movies=MOVIES, ratings=[]))
    kwai = Film.objects.get(movielens_id=1250)
    samurai = Film.objects.get(movielens_id=2019)

    film_page = client.get(reverse("catalog:film_detail", args=[kwai.pk])).content.decode()
    assert "<h1>The Bridge on the River Kwai" in film_page
    assert "River Kwai, The" not in film_page
    samurai_page = client.get(reverse("catalog:film_detail", args=[samurai.pk])).content.decode()
    assert "<h1>Seven Samurai <span" in samurai_page and "Shichinin no samurai" in samurai_page
    assert "(The Magnificent Seven)" not in samurai_page

    for page in (
        client.get(reverse("catalog:browse"), {"sort": "title"}),
        client.get(reverse("catalog:search"), {"q": "bridge river kwai"}),
        client.get(reverse("catalog:home")),
    ):
        html = page.content.decode()
        assert "River Kwai, The" not in html and "Matrix, The" not in html and "Avventura, L'" not in html


def test_browse_by_title_ignores_leading_articles(client):
    for title in ["The Abyss", "Zodiac", "A Bug's Life", "Les Misérables", "aliens", "L'Avventura", "Die Hard"]:
        make_film(title)

    page = client.get(reverse("catalog:browse"), {"sort": "title"})

    assert [film.title for film in page.context["page"].object_list] == [
        "The Abyss",
        "aliens",
        "L'Avventura",
        "A Bug's Life",
        "Die Hard",
        "Les Misérables",
        "Zodiac",
    ]


def test_sort_title_follows_every_title_change():
    film = make_film("Godfather, The")
    assert film.sort_title == "godfather"

    film.title = "The Conversation"
    film.save(update_fields=["title"])

    assert Film.objects.values_list("sort_title", flat=True).get(pk=film.pk) == "conversation"


def test_the_import_stores_alternative_titles_and_a_rerun_changes_nothing(tmp_path):
    source = ml_1m(tmp_path / "ml-1m", movies=MOVIES, ratings=[])
    ingest(source)
    samurai = Film.objects.get(movielens_id=2019)
    AlternativeTitle.objects.create(film=samurai, title="Les Sept Samouraïs", source="tmdb", country="FR")

    assert (samurai.title, samurai.original_title, samurai.sort_title) == (
        "Seven Samurai",
        "Shichinin no samurai",
        "seven samurai",
    )
    assert alternatives(2019) == {
        ("parenthesised", "The Magnificent Seven"),
        ("parenthesised", "Shichinin no samurai"),
        ("tmdb", "Les Sept Samouraïs"),
    }
    assert alternatives(293) == {("movielens", "Professional, The"), ("aka", "Leon: The Professional")}
    assert alternatives(1) == set()
    before = sorted(AlternativeTitle.objects.values_list("id", "film_id", "source", "title"))

    ingest(source)
    assert sorted(AlternativeTitle.objects.values_list("id", "film_id", "source", "title")) == before

    # A corrected data set replaces the forms it gave, and keeps what other sources added.
    ml_1m(source, movies=["2019::Seven Samurai (Shichinin no samurai) (1954)::Action|Drama"], ratings=[])
    ingest(source)
    assert alternatives(2019) == {("parenthesised", "Shichinin no samurai"), ("tmdb", "Les Sept Samouraïs")}


def test_the_data_migration_converts_rows_imported_before_it():
    migration = importlib.import_module("catalog.migrations.0004_display_titles")
    # Rows as earlier imports wrote them (bulk_create skips save(), as a raw import would).
    Film.objects.bulk_create(
        [
            Film(movielens_id=1, title="The Matrix", original_title="Matrix, The", year=1999),
            Film(movielens_id=2, title="Seven Samurai (The Magnificent Seven)", original_title="Shichinin no samurai"),
            Film(movielens_id=3, title="Bridge on the River Kwai, The", year=1957),
            Film(movielens_id=4, title="Chopping Mall", original_title="Killbots", year=1986),
            Film(movielens_id=5, title="Toy Story", year=1995),
            Film(movielens_id=6, title="Communion", original_title="Alice, Sweet Alice/Holy Terror", year=1977),
        ]
    )

    migration.forwards(apps, None)
    migration.forwards(apps, None)  # safe to run twice

    rows = {
        film.movielens_id: (film.title, film.original_title, film.sort_title)
        for film in Film.objects.order_by("movielens_id")
    }
    assert rows == {
        1: ("The Matrix", "", "matrix"),
        2: ("Seven Samurai", "Shichinin no samurai", "seven samurai"),
        3: ("The Bridge on the River Kwai", "", "bridge on the river kwai"),
        4: ("Chopping Mall", "Killbots", "chopping mall"),
        5: ("Toy Story", "", "toy story"),
        6: ("Communion", "", "communion"),
    }
    assert alternatives(1) == {("movielens", "Matrix, The")}
    assert alternatives(2) == {("parenthesised", "The Magnificent Seven"), ("parenthesised", "Shichinin no samurai")}
    assert alternatives(3) == {("movielens", "Bridge on the River Kwai, The")}
    assert alternatives(4) == {("parenthesised", "Killbots")}
    assert alternatives(5) == set()
    assert alternatives(6) == {("aka", "Alice, Sweet Alice"), ("aka", "Holy Terror")}


def test_film_title_forms_give_every_title_once_display_first(django_assert_num_queries):
    from catalog.selectors import film_title_forms
    from catalog.titles import normalise_title

    samurai = make_film("Seven Samurai", original_title="Shichinin no samurai")
    samurai.alternative_titles.create(title="The Magnificent Seven", source="parenthesised")
    samurai.alternative_titles.create(title="Shichinin no samurai", source="parenthesised")
    matrix = make_film("The Matrix")
    matrix.alternative_titles.create(title="Matrix, The", source="movielens")
    plain = make_film("Toy Story")

    with django_assert_num_queries(2):
        forms = film_title_forms(film_ids=[samurai.pk, matrix.pk, plain.pk])

    assert forms == {
        samurai.pk: ["Seven Samurai", "Shichinin no samurai", "The Magnificent Seven"],
        matrix.pk: ["The Matrix", "Matrix, The"],
        plain.pk: ["Toy Story"],
    }
    assert {normalise_title(title) for title in forms[matrix.pk]} == {"matrix"}
    assert film_title_forms() == forms


def test_hostile_titles_in_a_data_set_are_stored_clean_and_bounded(tmp_path):
    movies = [
        "1::Nul\x00Film, The (1999)::Drama",
        "2::" + "Long " * 400 + "(2001)::Drama",
        "3::(((((a.k.a. ))))) (1995)::Drama",
        "4::, The (1990)::Drama",
        "5::\u202eReversed\u202c (a.k.a. Tab\there/) (1980)::Drama",
    ]
    source = ml_1m(tmp_path / "ml-1m", ratings=[])
    write_lines(source / "movies.dat", movies)  # UTF-8, which the reader accepts too
    ingest(source)

    for film in Film.objects.all():
        for text in [film.title, film.original_title, *film.alternative_titles.values_list("title", flat=True)]:
            assert len(text) <= 300 and text == text.strip()
            assert all(char.isprintable() for char in text), repr(text)
    assert Film.objects.get(movielens_id=1).title == "The Nul Film"
    assert Film.objects.count() == 5
