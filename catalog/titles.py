"""Film titles: the display form, the other forms a film is known by, sort keys and matching keys.

MovieLens writes titles as library catalogues do: the leading article moved to the end ("Godfather, The"),
alternative titles in parentheses ("Seven Samurai (The Magnificent Seven) (Shichinin no samurai)", "Leon
(a.k.a. The Professional)") and the year last. Pages show the display form ("The Godfather"); search and
matching also look at the other forms, and compare every form through ``normalise_title`` so that
"Godfather, The", "The Godfather" and "GODFATHER" are one key.

Pure functions, no database: the MovieLens reader, the catalogue's search and the Letterboxd matcher share
them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Leading articles in English, French, German, Spanish and Italian (and the few Dutch, Portuguese and
# Scandinavian ones MovieLens moves to the end). Elided forms ("L'") end with the apostrophe.
ARTICLES = (
    *("The", "A", "An"),
    *("Le", "La", "Les", "L'", "Un", "Une"),
    *("Der", "Die", "Das", "Den", "Dem", "Des", "Ein", "Eine"),
    *("El", "Los", "Las", "Uno", "Una"),
    *("Il", "Lo", "Gli", "I", "Gl'", "Un'"),
    *("Het", "De", "Een", "O", "Os", "As", "Det"),
)
# Articles that decide where a title sorts. Words that are also common first words of English titles
# ("Die Hard", "I Shot Andy Warhol", "O Brother, Where Art Thou?", "De-Lovely") are left out: they sort
# under their own letter, as a reader looking for them would expect.
SORT_ARTICLES = frozenset(
    article.casefold()
    for article in ("The", "A", "An", "Le", "La", "Les", "L'", "Der", "Das", "El", "Los", "Las", "Il", "Gli")
)

_ARTICLE_ALTERNATION = "|".join(
    re.escape(article).replace("'", "['’]") for article in sorted(ARTICLES, key=len, reverse=True)
)
# "Matrix, The" / "Avventura, L'": the article moved behind a comma at the very end.
_TRAILING_ARTICLE = re.compile(rf"^(?P<rest>.+?),\s*(?P<article>{_ARTICLE_ALTERNATION})$", re.IGNORECASE)
# "Toy Story (1995)", "Cosmos (1980– )", "Twin Peaks (1990-1991)".
_YEAR = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})(?:\s*[-–]\s*\d{0,4}\s*)?\)$")
# The last parenthesised group of a title: an alternative title.
_LAST_GROUP = re.compile(r"^(?P<title>.+?)\s*\((?P<group>[^()]*)\)$")
_AKA = re.compile(r"^a\.?\s?k\.?\s?a\.?\s*", re.IGNORECASE)
# Letters NFKD leaves whole but a reader treats as their plain spelling.
_FOLD = str.maketrans({"æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i"})
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_LEADING_ARTICLE_WORDS = frozenset(article.casefold() for article in ARTICLES if not article.endswith("'"))
_LEADING_ELIDED = tuple(article.casefold() for article in ARTICLES if article.endswith("'"))

MAX_LENGTH = 300
# More parenthesised groups than any real title has: the rest stays in the title.
MAX_GROUPS = 6
YEAR_RANGE = (1870, 2100)


@dataclass(frozen=True)
class AlternativeForm:
    title: str
    source: str  # "movielens" (the catalogue form), "parenthesised" or "aka"


@dataclass(frozen=True)
class Title:
    """A MovieLens title taken apart."""

    title: str  # display form: "The Bridge on the River Kwai"
    original_title: str  # the original-language title MovieLens gives in parentheses, else ""
    year: int | None
    alternatives: tuple[AlternativeForm, ...] = ()


def _clean(text: str) -> str:
    # Control characters (NUL included) never belong in a title; whitespace runs become one space.
    printable = "".join(char if char.isprintable() else " " for char in text)
    return " ".join(printable.split())


def _bounded(text: str) -> str:
    return text[:MAX_LENGTH].rstrip()


def front_article(text: str) -> str:
    """ "Matrix, The" → "The Matrix"; "Avventura, L'" → "L'Avventura"; anything else unchanged."""
    text = _clean(text)
    match = _TRAILING_ARTICLE.match(text)
    if not match:
        return text
    article, rest = match["article"], match["rest"].strip()
    return f"{article}{rest}" if article.endswith(("'", "’")) else f"{article} {rest}".strip()


def _split_year(text: str) -> tuple[str, int | None]:
    match = _YEAR.match(text)
    if match and YEAR_RANGE[0] <= int(match["year"]) <= YEAR_RANGE[1] and match["title"].strip():
        return match["title"].strip(), int(match["year"])
    return text, None


def parse_movielens_title(raw: str) -> Title:
    """Take a MovieLens title apart: display title, original title, year and every alternative form.

    Trailing parenthesised groups are alternatives, last to first; a group starting "a.k.a." holds one or
    more alternative titles separated by "/". The last plain group (MovieLens' convention) is the
    original-language title."""
    text = _clean(raw)
    text, year = _split_year(text)
    groups: list[str] = []
    while len(groups) < MAX_GROUPS and (match := _LAST_GROUP.match(text)):
        if match["title"].endswith(","):
            break  # "Thing, (The)"-like text: the parentheses are part of the title
        groups.insert(0, match["group"].strip())
        text = match["title"].strip()
    main = text or _clean(raw)
    display = front_article(main)
    alternatives: list[AlternativeForm] = []
    if main != display:
        alternatives.append(AlternativeForm(main, "movielens"))
    original = ""
    for group in groups:
        if _AKA.match(group):
            for name in _AKA.sub("", group).split("/"):
                if name := front_article(name):
                    alternatives.append(AlternativeForm(name, "aka"))
        elif group := front_article(group):
            alternatives.append(AlternativeForm(group, "parenthesised"))
            original = group
    seen = {display.casefold()}
    unique = []
    for alternative in alternatives:
        shortened = AlternativeForm(_bounded(alternative.title), alternative.source)
        if shortened.title.casefold() not in seen:
            seen.add(shortened.title.casefold())
            unique.append(shortened)
    return Title(title=_bounded(display), original_title=_bounded(original), year=year, alternatives=tuple(unique))


def display_title(raw: str) -> str:
    """The form pages show: "Bridge on the River Kwai, The (1957)" → "The Bridge on the River Kwai".

    Idempotent: a display title is its own display title."""
    return parse_movielens_title(raw).title


def title_forms(raw: str) -> tuple[str, list[str]]:
    """(display title, the other forms the film is known by): the MovieLens form, parenthesised and a.k.a.
    titles. "Seven Samurai (The Magnificent Seven) (Shichinin no samurai)" → ("Seven Samurai",
    ["The Magnificent Seven", "Shichinin no samurai"])."""
    parsed = parse_movielens_title(raw)
    return parsed.title, [alternative.title for alternative in parsed.alternatives]


def fold(text: str) -> str:
    """Lower-case without diacritics, ligatures or curly apostrophes: "Amélie’s Œuvre" → "amelie's oeuvre"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char)).translate(_FOLD)


def title_words(text: str) -> list[str]:
    """The words of a title as search compares them: "Schindler’s List & Co." → ["schindlers", "list", "and",
    "co"]."""
    return _words(fold(text))


# English contractions and possessives join their word ("schindler's" = "schindlers"); any other apostrophe
# separates, as an elision does ("d'amelie" = "d amelie").
_JOINED_APOSTROPHE = re.compile(r"(?<=[^\W_])'(?=(?:s|t|d|m|ll|re|ve)\b)")


def _words(folded: str) -> list[str]:
    # "&" reads "and"; other punctuation separates words.
    folded = _JOINED_APOSTROPHE.sub("", folded.replace("&", " and "))
    return re.findall(r"[^\W_]+", folded)


def _without_leading_article(folded: str, articles: frozenset[str], elided: tuple[str, ...]) -> str:
    for prefix in elided:
        if folded.startswith(prefix) and len(folded) > len(prefix) and folded[len(prefix)].isalnum():
            return folded[len(prefix) :]
    first, _, rest = folded.partition(" ")
    if first in articles and re.search(r"[^\W_]", rest):
        return rest
    return folded


def normalise_title(text: str) -> str:
    """The key titles are compared on: lower-case, no diacritics or punctuation, "&" read as "and", the
    year and parenthesised alternatives dropped, and a leading article in English, French, German, Spanish
    or Italian removed whether it sits in front ("The Godfather") or behind a comma ("Godfather, The").

    "Godfather, The (1972)", "The Godfather" and "GODFATHER" all give "godfather"."""
    folded = fold(display_title(text))
    folded = _without_leading_article(folded, _LEADING_ARTICLE_WORDS, _LEADING_ELIDED)
    return " ".join(_words(folded))


def sort_key(title: str) -> str:
    """Where a title sorts: its display form folded, without leading punctuation and a leading article.

    "The Godfather" and "Godfather, The" sort as "godfather"; "...And Justice for All" under A; "Die Hard"
    under D (see SORT_ARTICLES)."""
    folded = re.sub(r"^[\W_]+", "", fold(display_title(title)))
    elided = tuple(article for article in SORT_ARTICLES if article.endswith("'"))
    folded = _without_leading_article(folded, SORT_ARTICLES - set(elided), elided)
    return " ".join(_words(folded))[:MAX_LENGTH].rstrip()


def name_key(name: str) -> str:
    """The key people are deduplicated on: accents, case, punctuation spacing and whitespace folded."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    plain = re.sub(r"[.\s]+", " ", plain.casefold()).strip()
    return plain[:200]
