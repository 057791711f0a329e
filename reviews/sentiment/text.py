"""Text hygiene shared by every analyser: HTML stripping, length cap, language check, sentences, tokens.

Plain functions, no Django, no downloads.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

MAX_CHARS = 20_000

_TAG = re.compile(r"<[^>]{0,200}>")
_SPACE = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# Tokens for the classifier: words (keeping "don't" whole) and the two punctuation marks that carry tone.
TOKEN_PATTERN = r"[a-z0-9]+(?:'[a-z]+)?|[!?]"
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")

# The 60 commonest English function words; real English prose is about 40-50% of these.
ENGLISH_STOPWORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "they",
        "we",
        "you",
        "i",
        "me",
        "my",
        "his",
        "her",
        "their",
        "our",
        "your",
        "him",
        "them",
        "not",
        "no",
        "so",
        "than",
        "too",
        "very",
        "can",
        "will",
        "just",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "there",
        "what",
        "which",
        "who",
    ]
)


@dataclass(frozen=True)
class PreparedText:
    """A review text made safe to analyse, with the reason when it cannot be (or was altered)."""

    text: str
    analysable: bool
    reason: str = ""  # "empty", "not English", "truncated to 20000 characters"


def strip_html(raw: str) -> str:
    """Turn `<br />`-laden, entity-escaped text into plain text with paragraph breaks kept as newlines."""
    text = re.sub(r"<\s*br\s*/?\s*>", "\n", raw, flags=re.IGNORECASE)
    text = re.sub(r"<\s*/?\s*p\s*>", "\n", text, flags=re.IGNORECASE)
    text = _TAG.sub(" ", text)
    text = html.unescape(text).replace("\u00a0", " ")
    text = _SPACE.sub(" ", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def english_score(text: str) -> tuple[float, float]:
    """(share of letters that are ASCII, share of words that are English stopwords)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0, 0.0
    ascii_share = sum(c.isascii() for c in letters) / len(letters)
    words = _WORD.findall(text.lower())
    if not words:
        return ascii_share, 0.0
    stop_share = sum(w in ENGLISH_STOPWORDS for w in words) / len(words)
    return ascii_share, stop_share


def looks_english(text: str) -> bool:
    """Cheap check: mostly ASCII letters and, for anything longer than a line, enough English function words.

    Short texts ("Loved it!") have too few words to judge, so only the alphabet counts for them.
    """
    ascii_share, stop_share = english_score(text)
    if ascii_share < 0.8:
        return False
    if len(text.split()) < 8:
        return True
    return stop_share >= 0.12


def prepare(raw: str | None, *, max_chars: int = MAX_CHARS) -> PreparedText:
    """Clean a review text and decide whether it can be analysed. Never raises on any str or None."""
    if not raw:
        return PreparedText("", False, "empty")
    text = strip_html(str(raw))
    if not any(c.isalnum() for c in text):
        return PreparedText("", False, "empty")
    reason = ""
    if len(text) > max_chars:
        # Cut at a word boundary so the last token is not half a word.
        cut = text.rfind(" ", 0, max_chars)
        text = text[: cut if cut > max_chars // 2 else max_chars]
        reason = f"truncated to {max_chars} characters"
    if not looks_english(text):
        return PreparedText(text, False, "not English")
    return PreparedText(text, True, reason)


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n+")
_ABBREVIATIONS = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|vs|etc|e\.g|i\.e|Vol|No)\.$", re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    """Regex sentence splitter: breaks after . ! ? before a capital or digit, and at line breaks.

    Rejoins pieces that ended on a common abbreviation ("Mr. Smith"). Good enough for review prose.
    """
    sentences: list[str] = []
    for piece in _SENTENCE_END.split(text):
        piece = piece.strip()
        if not piece:
            continue
        if sentences and _ABBREVIATIONS.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


def words(text: str) -> list[str]:
    """Lower-case word tokens (letters and apostrophes)."""
    return _WORD.findall(text.lower())
