from __future__ import annotations

import logging

import numpy as np
import pytest
from django.urls import reverse

from aesthetics import palette as pal
from aesthetics import search, services
from aesthetics.evaluation import evaluate_judgements, rank_metrics, split_half
from aesthetics.judgements import JUDGEMENTS, resolve
from aesthetics.models import VibeCollection
from aesthetics.query import CONCEPT_SYNONYMS, CONCEPTS, CONTRADICTIONS, read_query
from aesthetics.search import vibe_search
from tests.aesthetics.conftest import add_image, image_bytes
from tests.factories import make_film


def kinds(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in read_query(text).parts:
        out.setdefault(part.kind, []).append(part.key)
    return out


# --- reading ------------------------------------------------------------------------------------------------
def test_rain_with_neon_reads_as_light_and_setting_not_as_red():
    reading = read_query("rain with neon reflections")
    assert kinds("rain with neon reflections") == {"light": ["neon"], "setting": ["rain"]}
    assert "neon colours on a dark image" in reading.describe() and "setting: rain" in reading.describe()
    neon = next(part for part in reading.parts if part.key == "neon")
    assert dict((name, target) for name, target, _ in neon.terms[0].measures)["neon"] == 1.0


@pytest.mark.parametrize(
    ("query", "kind", "genre"),
    [
        ("black and white noir", "film", "film-noir"),
        ("neo-noir", "film", "crime"),
        ("a western", "film", "western"),
        ("slasher", "film", "horror"),
        ("screwball comedy", "film", "comedy"),
        ("outer space", "setting", "sci-fi"),
    ],
)
def test_film_words_map_to_genres_not_colours(query, kind, genre):
    part = next(part for part in read_query(query).parts if part.kind == kind)
    assert genre in part.genres and not part.terms


def test_city_at_night_and_neo_noir_are_not_read_as_light_or_neon():
    assert kinds("city at night") == {"setting": ["city at night"]}
    assert kinds("neo-noir") == {"film": ["neo-noir"]}


@pytest.mark.parametrize(
    "word", ["atmospheric", "surreal", "tense", "melancholic", "cozy", "uplifting", "disturbing", "dreamlike"]
)
def test_mood_words_are_moods_with_a_description(word):
    (part,) = read_query(word).parts
    assert part.kind == "mood" and part.text


def _spellings() -> dict[str, str]:
    """Every phrase the reader knows, mapped to the key of the part it should give."""
    known = {phrase: phrase for phrase, concept in CONCEPTS.items() if concept.label}
    known |= {synonym: key for synonym, key in CONCEPT_SYNONYMS.items() if CONCEPTS[key].label}
    known |= {phrase: phrase for phrase in pal.LEXICON}
    return known | {synonym: phrase for synonym, phrase in pal.SYNONYMS.items() if phrase in pal.LEXICON}


@pytest.mark.parametrize(("spelling", "key"), sorted(_spellings().items()))
def test_every_known_phrase_and_synonym_reads_as_exactly_its_part(spelling, key):
    """A synonym's replacement is never read again ("road movie" once became "road film"; "black comedy" became
    "black funny"), and no phrase leaves words behind."""
    assert [part.key for part in read_query(spelling).parts] == [key]


def test_any_two_known_phrases_read_as_both():
    """Two parts side by side keep both, unless together they spell something else ("cold war", "pastel pink")
    or contradict each other."""
    known = _spellings()
    keys = sorted({phrase for phrase, concept in CONCEPTS.items() if concept.label} | set(pal.LEXICON))
    contradictions = {frozenset(pair) for pair in CONTRADICTIONS}
    failures = []
    for first in keys:
        for second in keys:
            text = f"{first} {second}"
            crossing = any(
                spelling in text and text.index(spelling) < len(first) < text.index(spelling) + len(spelling)
                for spelling in known
            )
            if first == second or crossing or frozenset((first, second)) in contradictions:
                continue
            if {part.key for part in read_query(text).parts} != {first, second}:
                failures.append(text)
    assert not failures, failures[:20]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("gritty 70s crime", {"film": ["crime"], "period": ["1970s"], "mood": ["gritty"]}),
        ("'80s neon", {"light": ["neon"], "period": ["1980s"]}),
        ("the eighties", {"period": ["1980s"]}),
        ("1960's", {"period": ["1960s"]}),
        ("cold war spy thriller", {"film": ["cold war", "thriller"], "text": ["spy"]}),
        ("star wars", {"text": ["star wars"]}),
        ("dark comedy", {"film": ["black comedy"]}),
        ("misty moors", {"setting": ["fog"]}),
        ("french new wave", {"film": ["new wave"]}),
        # Light and tone as members write it: none of it left behind as loose words.
        ("harsh black and white contrast", {"light": ["black and white", "high contrast", "harsh"]}),
        ("low contrast", {"light": ["low contrast"]}),
        ("sun-drenched golden", {"colour": ["golden"], "light": ["bright"]}),
        ("washed-out faded colours", {"light": ["washed out"]}),
        ("candy-coloured", {"light": ["vibrant"]}),
        ("garish technicolor", {"light": ["vibrant"]}),
        ("dimly lit noir", {"light": ["dark"], "film": ["noir"]}),
        ("chiaroscuro", {"light": ["high contrast"]}),
        ("bleached", {"light": ["desaturated"]}),
    ],
)
def test_periods_genres_and_more_settings_and_moods_are_read(query, expected):
    assert kinds(query) == expected


def test_the_page_names_each_part_by_its_kind_in_words(client, films):
    response = client.get(reverse("aesthetics:vibe"), {"q": "gritty 1940s detective"})
    page = response.content.decode()
    assert "mood: gritty" in page and "period: the 1940s" in page and "words: “detective”" in page


def test_a_decade_finds_films_of_that_decade_and_says_so(films):
    results = vibe_search(query="1940s")
    assert [match.film for match in results.matches] == [films["noir"]]
    assert results.matches[0].reasons == ["made in the 1940s"]
    assert "period: the 1940s" in results.reading.describe()


def test_a_part_can_be_removed_and_the_rest_survives():
    reading = read_query("neon rain city at night")
    assert read_query(reading.without("rain")).describe() == "neon colours on a dark image; setting: city at night"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("the of and a with", {}),  # stop words only: nothing to search
        ("red", {"colour": ["red"]}),
        ("pluie néon la nuit", {"text": ["pluie néon la nuit"]}),  # another language: searched as words
    ],
)
def test_hostile_readings(query, expected):
    assert kinds(query) == expected


def test_contradictions_keep_the_later_word_and_say_so():
    reading = read_query("bright dark")
    assert [part.key for part in reading.parts] == ["dark"]
    assert "cannot both hold" in reading.notes[0]


def test_noise_is_read_without_error():
    rng = np.random.default_rng(0)
    for _ in range(50):
        noise = "".join(chr(int(c)) for c in rng.integers(1, 0x2FFF, size=300))
        read_query(noise).describe()  # never raises


# --- neon measure ------------------------------------------------------------------------------------------
def test_neon_measure_tells_neon_signs_from_a_red_poster():
    dark = np.full((64, 64, 3), 8, dtype=np.uint8)
    neon = dark.copy()
    neon[10:20, :] = (255, 0, 200)  # magenta tube
    neon[40:50, :] = (0, 230, 255)  # cyan tube
    red = np.zeros((64, 64, 3), dtype=np.uint8)
    red[...] = (220, 20, 20)
    measured = {name: pal.analyse_pixels(pixels).measures["neon"] for name, pixels in [("neon", neon), ("red", red)]}
    assert measured["neon"] > 0.6 and measured["red"] < 0.05
    assert pal.analyse_pixels(dark).measures["neon"] == 0.0


# --- search with bad input, over real rows --------------------------------------------------------------------
@pytest.fixture
def films(db, text_encoder_stub):
    red = make_film("Crimson Tide", year=1995, genres=("Thriller",), plot="A submarine crew mutinies at sea.")
    add_image(red, image_bytes("#d01010"))
    noir = make_film("Grey Streets", year=1948, genres=("Film-Noir",), plot="A detective hunts a killer at night.")
    add_image(noir, image_bytes(["#101010", "#f0f0f0"]))
    services.images_analyse()
    services.texts_embed()
    return {"red": red, "noir": noir}


@pytest.mark.parametrize(
    "query", ["the of and a", "red", "bright dark", "pluie néon la nuit", "zq" * 150, "'; drop table films", "🎬" * 10]
)
def test_hostile_queries_give_a_reading_and_no_error(client, films, query):
    response = client.get(reverse("aesthetics:vibe"), {"q": query})
    assert response.status_code == 200
    assert b"Read as" in response.content or b"could be read" in response.content
    assert b"Nothing matched" in response.content or b"vibe-card" in response.content


def test_a_nul_byte_is_a_clear_400(client, films):
    response = client.get(reverse("aesthetics:vibe"), {"q": "red\x00"})
    assert response.status_code == 400 and b"NUL" in response.content  # the site-wide NUL refusal


def test_film_word_finds_the_genre_with_a_reason_in_words(films):
    results = vibe_search(query="film noir")
    assert results.matches[0].film == films["noir"]
    assert any("film noir" in reason for reason in results.matches[0].reasons)


def test_remove_links_and_picked_colours_stay_in_the_url(client, films):
    response = client.get(reverse("aesthetics:vibe"), {"q": "red film noir", "colour": ["#d01010", "#101010"]})
    html = response.content.decode()
    assert "q=film+noir" in html  # removing "red" keeps the rest and the colours
    assert "colour=%23101010" in html and "Remove colour #d01010" in html
    assert "score" not in html.lower().split("vibe-results", 1)[1]  # no raw scores on cards


def test_collections_are_shown_on_the_vibe_page(client, db):
    VibeCollection.objects.create(title="Neon nights", query="neon city at night", colours=["#ff00c8"])
    VibeCollection.objects.create(title="Hidden", query="x", published=False)
    html = client.get(reverse("aesthetics:vibe")).content.decode()
    assert "Neon nights" in html and "q=neon%20city%20at%20night" in html and "Hidden" not in html


def test_a_failing_taste_model_is_logged_not_swallowed(films, alice, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("model file corrupt")

    monkeypatch.setattr(search, "member_film_scores", broken)
    with caplog.at_level(logging.ERROR, logger="aesthetics.search"):
        results = vibe_search(query="red", user=alice, match_taste=True)
    assert results.matches and not results.taste_applied
    assert "model file corrupt" in caplog.text


# --- evaluation ----------------------------------------------------------------------------------------------
def test_rank_metrics_properties():
    assert rank_metrics([1, 2, 3], frozenset({1})) == {"precision@10": 0.1, "recall@50": 1.0, "mrr": 1.0}
    assert rank_metrics([5, 6, 1], frozenset({1, 9}))["mrr"] == pytest.approx(1 / 3)
    assert rank_metrics([], frozenset({1})) == {"precision@10": 0.0, "recall@50": 0.0, "mrr": 0.0}


def test_the_labelled_set_is_large_and_covers_every_kind():
    assert set(JUDGEMENTS) == {"colour", "light", "film", "setting", "mood"}
    assert sum(len(queries) for queries in JUDGEMENTS.values()) >= 30
    assert all(len(films) >= 5 for queries in JUDGEMENTS.values() for films in queries.values())


def test_evaluate_vibe_smoke_on_tiny_data(films):
    judgements = resolve([(films["noir"].pk, "The Third Man", 1949), (films["red"].pk, "Red Sorghum", 1987)])
    report = evaluate_judgements(judgements)
    assert report["per_query"]["film noir"]["mrr"] == 1.0  # The Third Man stands for Grey Streets here
    assert set(report["per_kind"]) <= {"colour", "light", "film", "setting", "mood"}


def test_a_colour_in_the_title_lifts_a_film_whose_poster_is_another_colour(db, text_encoder_stub):
    named = make_film("Purple Noon", year=1960, genres=("Thriller",), plot="A con man takes a rich man's life.")
    add_image(named, image_bytes("#1f4fd1"))  # a blue poster
    grey = make_film("Quiet Hours", year=1990, genres=("Drama",), plot="Two sisters keep a shop.")
    add_image(grey, image_bytes("#808080"))
    services.images_analyse()
    services.texts_embed()
    results = vibe_search(query="purple")
    assert results.matches[0].film == named
    assert any("title" in reason for reason in results.matches[0].reasons)


def test_the_halves_of_the_labelled_set_split_every_kind_and_cover_it_once():
    judgements = resolve([])
    validation, test = split_half(judgements, "validation"), split_half(judgements, "test")
    assert {j.query for j in validation}.isdisjoint(j.query for j in test)
    assert len(validation) + len(test) == len(judgements)
    assert {j.kind for j in validation} == {j.kind for j in test} == set(JUDGEMENTS)
    with pytest.raises(ValueError):
        split_half(judgements, "train")


def test_a_mood_lifts_the_genre_of_its_best_matches_learnt_from_the_data(db, text_encoder_stub):
    tense = "suspense and tension, a nail-biting chase, trapped and in danger"
    for number in range(3):
        make_film(f"Front Line {number}", year=1990 + number, genres=("War",), plot=f"{tense} {number}")
    # Same plot, same year; the drama comes first in the catalogue, so only the learnt genre prior can order them.
    quiet_drama = make_film("Quiet Kitchen", year=1995, genres=("Drama",), plot="Letters home from a farm.")
    quiet_war = make_film("Quiet Trenches", year=1995, genres=("War",), plot="Letters home from a farm.")
    services.texts_embed()
    matches = vibe_search(query="tense", limit=10).matches
    ranked = [match.film for match in matches]
    assert ranked.index(quiet_war) < ranked.index(quiet_drama)
    assert any("war" in reason for reason in matches[ranked.index(quiet_war)].reasons)
