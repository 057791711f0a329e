"""Typo-tolerant scoring of a search query against a title or a name.

pg_trgm finds candidates quickly but scores a swapped pair of letters harshly ("alein" shares only two of
its trigrams with "Alien", as many as with "Crazy in Alabama"). The few dozen candidates it returns are
re-ranked here by edit distance over word windows, which sees a transposition as one typo.
"""

from __future__ import annotations

from .titles import title_words

# A query matching the start of a word ("godf" in "Godfather") scores a little below a whole-word match.
PREFIX_WEIGHT = 0.95


def words(text: str) -> list[str]:
    """Lower-cased, accent-free words, "&" read as "and": "Amélie & Nino!" → ["amelie", "and", "nino"]."""
    return title_words(text)


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps."""
    if a == b:
        return 0
    before_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, before_previous[j - 2] + 1)
            current[j] = best
        before_previous, previous = previous, current
    return previous[len(b)]


def match_score(query: str, text: str) -> float:
    """0..1: how well the query matches the best run of as many consecutive words in the text.

    Whole-window similarity is 1 - distance / longer length; a window that merely starts like the query
    (search as you type) gets PREFIX_WEIGHT times the similarity of its first len(query) characters.
    """
    query_words, text_words = words(query), words(text)
    if not query_words or not text_words:
        return 0.0
    wanted = " ".join(query_words)
    size = len(query_words)
    best = 0.0
    for start in range(max(1, len(text_words) - size + 1)):
        window = " ".join(text_words[start : start + size])
        best = max(best, 1 - edit_distance(wanted, window) / max(len(wanted), len(window)))
        if len(window) > len(wanted):
            head = window[: len(wanted)]
            best = max(best, PREFIX_WEIGHT * (1 - edit_distance(wanted, head) / len(wanted)))
        if best == 1.0:
            break
    return best


def word_tolerance(word: str) -> int:
    """Typos forgiven in one word: one up to seven letters, two from eight ("hitchcok" finds Hitchcock)."""
    return 1 if len(word) < 8 else 2


def words_all_found(query: str, text: str) -> bool:
    """Whether every word of the query is in the text, each within its typo tolerance; the last word may be
    the start of a text word (search as you type). "tokyo story" is not in "Toy Story": "tokyo" is two edits
    from "toy", more than a five-letter word is forgiven."""
    text_words = words(text)
    query_words = words(query)
    if not query_words or not text_words:
        return False
    for n, word in enumerate(query_words):
        last = n == len(query_words) - 1
        allowed = word_tolerance(word)
        if not any(
            edit_distance(word, candidate) <= allowed
            or (last and len(candidate) > len(word) and edit_distance(word, candidate[: len(word)]) <= allowed)
            for candidate in text_words
        ):
            return False
    return True
