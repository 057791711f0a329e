from __future__ import annotations

import pytest

from reviews.sentiment.analysers import VaderAnalyser
from reviews.sentiment.aspects import (
    Quote,
    aggregate_aspects,
    analyse_sentences,
    assign_aspects,
    default_embedder,
    lexicon_aspects,
    pick_quotes,
)


@pytest.mark.parametrize(
    ("sentence", "aspect"),
    [
        ("The acting was superb.", "acting"),
        ("The plot had more holes than a sieve.", "story"),
        ("The cinematography is gorgeous.", "visuals"),
        ("Hans Zimmer's score is unforgettable.", "music"),
        ("It drags terribly in the middle.", "pacing"),
        ("Beautifully directed by a newcomer.", "direction"),
    ],
)
def test_the_lexicon_assigns_obvious_sentences(sentence, aspect):
    assert aspect in lexicon_aspects(sentence)


def test_sentences_without_aspect_words_get_no_lexicon_aspect():
    assert lexicon_aspects("My wife and I went on a Tuesday.") == []


def test_the_acting_was_superb_is_acting_and_positive():
    [scored] = analyse_sentences("The acting was superb.", analyser=VaderAnalyser())
    assert scored.aspects == ("acting",)
    assert scored.score > 0.3


def test_a_review_is_scored_sentence_by_sentence():
    text = "The acting was superb. But the plot was a stupid, ugly mess. I went on a Tuesday."
    scored = analyse_sentences(text, analyser=VaderAnalyser())
    by_aspect = {s.aspects: s.score for s in scored}
    assert by_aspect[("acting",)] > 0 > by_aspect[("story",)]
    summary = aggregate_aspects((a, s.score) for s in scored for a in s.aspects)
    assert set(summary) == {"acting", "story"}
    assert summary["acting"].positive == 1 and summary["story"].negative == 1


def test_minilm_places_sentences_the_lexicon_misses():
    embedder = default_embedder()
    if embedder is None:
        pytest.skip("MiniLM not loadable here")
    sentences = ["She gives the best turn of her career.", "The tunes stuck in my head for days.", "It was 1985."]
    assigned = assign_aspects(sentences, embedder=embedder)
    assert assigned[0] == ["acting"]
    assert assigned[1] == ["music"]
    assert assigned[2] == []  # too short to judge, and about nothing


def test_near_duplicate_quotes_are_dropped_and_one_quote_per_review():
    candidates = [
        Quote(1, "The acting was absolutely superb from start to finish.", 0.9, ("acting",)),
        Quote(2, "The acting was absolutely superb from start to finish!", 0.88, ("acting",)),
        Quote(1, "A gorgeous, moving film that I will treasure forever.", 0.95),
        Quote(3, "The music soared and the ending left me in tears of joy.", 0.8, ("music",)),
        Quote(4, "A dull and tiresome slog from beginning to end.", -0.9, ("pacing",)),
    ]
    loved = pick_quotes(candidates, positive=True)
    assert [q.review_id for q in loved] == [1, 3]  # review 2 repeats review 1's sentence
    assert loved[0].text.startswith("The acting")  # aspect-bearing sentences rank first at similar strength
    disliked = pick_quotes(candidates, positive=False)
    assert [q.review_id for q in disliked] == [4]


def test_paraphrases_are_dropped_with_minilm():
    embedder = default_embedder()
    if embedder is None:
        pytest.skip("MiniLM not loadable here")
    candidates = [
        Quote(1, "The performances were absolutely wonderful.", 0.9),
        Quote(2, "The performances were truly wonderful, absolutely.", 0.85),
        Quote(3, "The soundtrack is a joy to listen to.", 0.8),
    ]
    without = pick_quotes(candidates, positive=True)
    with_minilm = pick_quotes(candidates, positive=True, embedder=embedder)
    assert len(without) == 3
    assert [q.review_id for q in with_minilm] == [1, 3]
