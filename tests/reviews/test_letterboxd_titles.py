"""Title keys: the pure function that decides which written titles name the same film."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.letterboxd_match import ARTICLES, fold, title_keys, title_variants


def same_film(a: str, b: str) -> bool:
    return bool(title_keys(a) & title_keys(b))


@pytest.mark.parametrize(
    ("catalogue", "written"),
    [
        ("Godfather, The", "The Godfather"),
        ("Matrix, The", "The Matrix"),
        ("Third Man, The", "The Third Man"),
        ("Godfather: Part II, The", "The Godfather: Part II"),
        ("Godfather: Part II, The", "The Godfather Part 2"),
        ("Seven Samurai (The Magnificent Seven)", "Seven Samurai"),
        ("Seven Samurai (Shichinin no samurai)", "Shichinin no Samurai"),
        ("City of Lost Children, The (Cité des enfants perdus, La)", "The City of Lost Children"),
        ("City of Lost Children, The (Cité des enfants perdus, La)", "La Cité des Enfants Perdus"),
        ("Amelie (Fabuleux destin d'Amélie Poulain, Le)", "Amélie"),
        ("Amelie (Fabuleux destin d'Amélie Poulain, Le)", "Le Fabuleux Destin d'Amélie Poulain"),
        ("Avventura, L'", "L'Avventura"),
        ("Atalante, L'", "L’Atalante"),
        ("Haine, La", "La Haine"),
        ("Boot, Das", "Das Boot"),
        ("Leben der Anderen, Das", "Das Leben der Anderen"),
        ("Laberinto del fauno, El", "El laberinto del fauno"),
        ("Vitelloni, I", "I Vitelloni"),
        ("Beautiful Mind, A", "A Beautiful Mind"),
        ("Officer and a Gentleman, An", "An Officer and a Gentleman"),
        ("Crouching Tiger, Hidden Dragon (Wo hu cang long)", "Crouching Tiger, Hidden Dragon"),
        (
            "Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb",
            "Dr Strangelove or How I Learned to Stop Worrying and Love the Bomb",
        ),
        ("Romeo & Juliet", "Romeo and Juliet"),
        ("Schindler's List", "Schindlers List"),
        ("WALL·E", "WALL-E"),
        ("Léon: The Professional", "Leon The Professional"),
        ("Nausicaä of the Valley of the Wind", "NAUSICAA OF THE VALLEY OF THE WIND"),
        ("Rocky II", "Rocky 2"),
        ("Star Wars: Episode IV - A New Hope", "Star Wars: Episode 4 – A New Hope"),
        ("Shichinin no samurai (a.k.a. Seven Samurai)", "Seven Samurai"),
    ],
)
def test_catalogue_and_letterboxd_forms_share_a_key(catalogue, written):
    assert same_film(catalogue, written), (title_keys(catalogue), title_keys(written))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Alien", "Aliens"),
        ("Paris, Texas", "Texas"),  # ", Texas" is not an article
        ("Heat", "The Heat of the Night"),
        ("Godfather, The", "Godfather: Part II, The"),
        ("Rocky", "Rocky II"),
    ],
)
def test_different_films_keep_different_keys(a, b):
    assert not same_film(a, b)


def test_a_title_that_is_only_an_article_keeps_it():
    assert title_keys("The") == {"the"} and title_keys("It") == {"it"}


def test_variants_split_parenthesised_alternatives():
    assert title_variants("Seven Samurai (The Magnificent Seven)") == [
        "Seven Samurai (The Magnificent Seven)",
        "Seven Samurai  ",
        "The Magnificent Seven",
    ]


# --- properties over generated titles -----------------------------------------------------------------

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèüöñçå", min_size=2, max_size=9).filter(
    lambda w: fold(w) not in ARTICLES
)
titles = st.lists(words, min_size=1, max_size=5).map(" ".join)
articles = st.sampled_from(["The", "A", "An", "Le", "La", "Les", "Die", "Der", "Das", "El", "Los", "Il", "Gli"])


@settings(max_examples=300, deadline=None)
@given(title=titles, article=articles)
def test_article_in_front_or_as_a_suffix_is_the_same_film(title, article):
    assert same_film(f"{title}, {article}", f"{article} {title}")
    assert same_film(f"{article} {title}", title)


@settings(max_examples=300, deadline=None)
@given(title=titles, alternative=titles)
def test_each_parenthesised_alternative_and_the_main_title_match(title, alternative):
    stored = f"{title} ({alternative})"
    assert same_film(stored, title) and same_film(stored, alternative) and same_film(stored, stored)


@settings(max_examples=300, deadline=None)
@given(title=titles)
def test_case_accents_and_punctuation_do_not_matter(title):
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFKD", title) if not unicodedata.combining(c))
    assert same_film(title, plain.upper())
    assert same_film(title, title.replace(" ", ": ", 1) + "!")
    assert title_keys(title) == title_keys(title)  # pure


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60))
def test_any_text_gives_keys_without_error(text):
    keys = title_keys(text)
    assert all(key and key == key.strip() and "  " not in key for key in keys)
