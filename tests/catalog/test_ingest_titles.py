from __future__ import annotations

import pytest

from catalog.ingest.titles import name_key, parse_movielens_title


@pytest.mark.parametrize(
    ("raw", "title", "original", "year"),
    [
        ("Toy Story (1995)", "Toy Story", "", 1995),
        ("Matrix, The (1999)", "The Matrix", "Matrix, The", 1999),
        ("Avventura, L' (1960)", "L'Avventura", "Avventura, L'", 1960),
        ("Misérables, Les (1995)", "Les Misérables", "Misérables, Les", 1995),
        (
            "City of Lost Children, The (Cité des enfants perdus, La) (1995)",
            "The City of Lost Children",
            "La Cité des enfants perdus",
            1995,
        ),
        ("Chopping Mall (a.k.a. Killbots) (1986)", "Chopping Mall", "Killbots", 1986),
        ("Crow: City of Angels, The (1996)", "The Crow: City of Angels", "Crow: City of Angels, The", 1996),
        ("Babylon 5", "Babylon 5", "", None),
        ("Cosmos (1980– )", "Cosmos", "", 1980),
        ("  Big Lebowski, The (1998) ", "The Big Lebowski", "Big Lebowski, The", 1998),
    ],
)
def test_it_moves_the_article_to_the_front_and_keeps_the_year(raw, title, original, year):
    parsed = parse_movielens_title(raw)
    assert (parsed.title, parsed.original_title, parsed.year) == (title, original, year)


def test_name_key_folds_accents_case_and_spacing():
    assert name_key("Penélope  Cruz") == name_key("penelope cruz") == "penelope cruz"
    assert name_key("Robert Downey Jr.") == name_key("robert downey jr")
