from __future__ import annotations

import sys

from reviews.sentiment.emotions import EMOTIONS, emotion_profile, lexicon, mood_scores, moods


def test_the_lexicon_ships_in_the_package_and_needs_no_textblob():
    table = lexicon()
    assert len(table) > 5_000
    assert "fear" in table["terror"]
    assert "textblob" not in sys.modules


def test_a_frightening_review_is_dominated_by_fear_and_reads_tense_or_dark():
    profile = emotion_profile(["A terrifying horror film: I screamed in fear, the monster was horrible and scary."])
    assert max(profile, key=profile.get) == "fear"
    assert set(moods(profile)) & {"tense", "dark"}


def test_a_joyful_review_reads_uplifting():
    profile = emotion_profile(["A joyful, happy celebration of love and friendship; delightful and hopeful."])
    assert "uplifting" in moods(profile)
    assert "melancholic" not in moods(profile)


def test_a_sad_review_reads_melancholic():
    profile = emotion_profile(["A sad, lonely film about grief and loss; I cried at the funeral, so mournful."])
    assert moods(profile)[0] == "melancholic"


def test_texts_without_emotion_words_give_an_empty_profile_and_no_mood():
    profile = emotion_profile(["", "The the the."])
    assert profile == {emotion: 0.0 for emotion in EMOTIONS}
    assert moods(profile) == []
    assert set(mood_scores(profile).values()) == {0.0}


def test_profiles_are_shares_that_sum_to_one():
    profile = emotion_profile(["A terrifying, joyful, sad and angry film."])
    assert abs(sum(profile.values()) - 1.0) < 1e-3
