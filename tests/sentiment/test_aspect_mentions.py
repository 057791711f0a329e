"""Aspect polarity per mention: the clause around each aspect word (with negation), sense checks for ambiguous
words, film-review idioms, and the accuracy on the three labelled sets in bench/data."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from reviews.models import Review
from reviews.sentiment.analysers import VaderAnalyser
from reviews.sentiment.aspects import (
    ASPECTS,
    ClauseScorer,
    aspect_mentions,
    clause_spans,
    lexicon_aspects,
    mention_scores,
)
from reviews.sentiment.evaluation import aspect_polarity_accuracy, read_aspect_mentions
from reviews.sentiment.models import ReviewSentenceAspect
from reviews.sentiment.services import review_sentiment_refresh

LABELLED = Path(settings.BASE_DIR) / "bench" / "data" / "aspect_mentions.jsonl"
# Written after the rules above were tuned on LABELLED: the first was looked at when the film lexicon and idioms
# were added, the second only measured (evaluate_sentiment reports all three).
LATER_SETS = [LABELLED.with_name("aspect_mentions_validation.jsonl"), LABELLED.with_name("aspect_mentions_test.jsonl")]


@pytest.fixture(scope="module")
def scorer():
    return ClauseScorer()


def scores_for(sentence: str, scorer) -> dict[str, float]:
    sentence_score = VaderAnalyser().analyse(sentence).score
    return mention_scores(sentence, sentence_score=sentence_score, scorer=scorer)


def test_two_aspects_in_one_sentence_get_their_own_polarity(scorer):
    scores = scores_for("The score by Vangelis is sublime… the dialogue is wooden.", scorer)
    assert scores["music"] > 0.3 and scores["story"] < -0.3


@pytest.mark.parametrize(
    ("sentence", "aspect", "positive"),
    [
        ("The acting is not bad at all.", "acting", True),
        ("The plot is not very original.", "story", False),
        ("I did not like the music.", "music", False),
        ("Never boring for a second.", "pacing", True),
        ("Great direction, terrible editing.", "direction", True),
        ("An excellent script let down by poor casting.", "story", True),
        ("An excellent script let down by poor casting.", "acting", False),
    ],
)
def test_negation_and_contrast_are_read_per_mention(scorer, sentence, aspect, positive):
    assert (scores_for(sentence, scorer)[aspect] > 0) is positive


@pytest.mark.parametrize(
    ("sentence", "aspect", "positive"),
    [
        # Idioms of film reviews, each also negated: the rewrite keeps VADER's negation working.
        ("The photography took my breath away.", "visuals", True),
        ("The photography never took my breath away.", "visuals", False),
        ("The ending falls flat.", "story", False),
        ("The ending never falls flat.", "story", True),
        ("The lead actor phoned it in.", "acting", False),
        ("Pacino chews the scenery in every scene.", "acting", False),
        ("The score steals the show.", "music", True),
        ("The plot goes nowhere.", "story", False),
        ("The screenplay is too clever for its own good.", "story", False),
        ("The cinematography is nothing special.", "visuals", False),
        # Negators VADER lacks.
        ("The pacing is far from boring.", "pacing", True),
        ("The acting is hardly convincing.", "acting", False),
        ("The script is anything but subtle.", "story", False),
        ("The direction barely holds together.", "direction", False),
        # Film criticism and praise outside VADER's general lexicon.
        ("The direction is heavy-handed.", "direction", False),
        ("The plot is contrived and the dialogue laughable.", "story", False),
        ("The sound design is immersive.", "music", True),
        # What a film does to its audience is no verdict: a terrifying score is a good horror score.
        ("The terrifying score is brilliant.", "music", True),
        ("A devastating, heartbreaking performance of great subtlety.", "acting", True),
    ],
)
def test_film_idioms_negators_and_review_words_are_read(scorer, sentence, aspect, positive):
    assert (scores_for(sentence, scorer)[aspect] > 0) is positive


@pytest.mark.parametrize("path", LATER_SETS, ids=lambda path: path.stem)
def test_per_mention_polarity_holds_on_sets_written_later(scorer, path):
    report = aspect_polarity_accuracy(read_aspect_mentions(path), analyser=VaderAnalyser(), scorer=scorer)
    assert report["mentions"] >= 50
    assert report["found"] >= 0.9 * report["mentions"]
    assert report["per_mention_accuracy"] >= 0.75 and report["per_mention_accuracy"] > report["sentence_level_accuracy"]


@pytest.mark.parametrize(
    ("sentence", "aspect"),
    [
        ("Pacino chews the scenery in every scene.", "visuals"),
        ("He is shot dead in the first ten minutes.", "visuals"),
        ("The sheriff gets shot in the back.", "visuals"),
        ("The Dragon Lady rules the city.", "pacing"),
        ("They settle the score in a duel.", "music"),
        ("It sounds like a joke.", "music"),
        ("She was framed for murder.", "visuals"),
        ("The knight takes off his helmet.", "direction"),
        ("He is a role model.", "acting"),
        ("They are dragged into a war.", "pacing"),
    ],
)
def test_ambiguous_words_in_another_sense_are_no_aspect(sentence, aspect):
    assert aspect not in lexicon_aspects(sentence)


@pytest.mark.parametrize(
    ("sentence", "aspect"),
    [
        ("Beautifully shot in black and white.", "visuals"),
        ("The shots of the desert are stunning.", "visuals"),
        ("The score is magnificent.", "music"),
        ("The middle section drags.", "pacing"),
        ("It is slow but rewarding.", "pacing"),
        ("The cast is excellent.", "acting"),
    ],
)
def test_the_same_words_in_their_film_sense_still_count(sentence, aspect):
    assert aspect in lexicon_aspects(sentence)


@pytest.mark.parametrize(
    "sentence",
    ["", "...", ",,,", "but", "The plot, the plot, the plot", "a" * 5000, "shot" * 100, "x\x00y, but z", "–—…"],
)
def test_hostile_sentences_never_raise_and_clauses_cover_the_text(scorer, sentence):
    spans = clause_spans(sentence)
    assert all(0 <= start < end <= len(sentence) for start, end in spans)
    scores = mention_scores(sentence, sentence_score=0.0, scorer=scorer)
    assert set(scores) <= set(ASPECTS) and all(-1 <= value <= 1 for value in scores.values())
    assert [m.start for m in aspect_mentions(sentence)] == sorted(m.start for m in aspect_mentions(sentence))


def test_per_mention_polarity_beats_the_sentence_on_the_labelled_set(scorer):
    items = read_aspect_mentions(LABELLED)
    report = aspect_polarity_accuracy(items, analyser=VaderAnalyser(), scorer=scorer)
    assert report["mentions"] >= 60 and report["sense_checks"] >= 10
    assert report["found"] == report["mentions"]  # every labelled aspect word is recognised
    assert report["sense_checks_passed"] == report["sense_checks"]
    assert report["per_mention_accuracy"] >= 0.85 > report["sentence_level_accuracy"] + 0.1


@pytest.mark.django_db
def test_stored_rows_carry_the_aspect_polarity_and_the_sentence_polarity(alice, film):
    review = Review.objects.create(
        user=alice, film=film, text="The score by Vangelis is sublime, but the dialogue is wooden and dull."
    )
    review_sentiment_refresh(review_id=review.pk)
    rows = {row.aspect: row for row in ReviewSentenceAspect.objects.filter(review=review)}
    assert rows["music"].score > 0 > rows["story"].score
    assert rows["music"].sentence_score == rows["story"].sentence_score
