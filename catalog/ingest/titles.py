"""MovieLens titles: "Matrix, The (1999)" → "The Matrix", 1999; names → deduplication keys."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# MovieLens (like library catalogues) moves a leading article to the end: "Matrix, The".
_ARTICLES = "The|A|An|Les|Le|La|L'|Il|Lo|Gli|I|Los|Las|El|Der|Die|Das|Den|Det|Het|Een|Un|Une|Uno|Una|Ein|Eine|O|Os|As"
_TRAILING_ARTICLE = re.compile(rf"^(?P<rest>.+?),\s*(?P<article>{_ARTICLES})$")
_YEAR = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})(?:\s*[-–]\s*\d{0,4})?\)\s*$")
# "Seven (Se7en)", "City of Lost Children, The (Cité des enfants perdus, La)", "Shanghai Triad (Yao a yao...)".
_ALTERNATIVE = re.compile(r"^(?P<title>.+?)\s+\((?P<alt>[^()]+)\)$")


@dataclass(frozen=True)
class Title:
    title: str
    original_title: str
    year: int | None


def front_article(text: str) -> str:
    """ "Matrix, The" → "The Matrix"; "Avventura, L'" → "L'Avventura"."""
    text = text.strip()
    match = _TRAILING_ARTICLE.match(text)
    if not match:
        return text
    article = match["article"]
    return f"{article}{match['rest']}" if article.endswith("'") else f"{article} {match['rest']}"


def parse_movielens_title(raw: str) -> Title:
    """Split a MovieLens title into display title, original title and year.

    The display title has its article in front. The original title is the parenthesised alternative title
    when there is one (usually the original-language title), else the MovieLens text itself when
    normalising changed it, else empty."""
    text = " ".join(raw.split())
    year = None
    match = _YEAR.match(text)
    if match and 1870 <= int(match["year"]) <= 2100:
        text, year = match["title"], int(match["year"])
    alternative = ""
    match = _ALTERNATIVE.match(text)
    if match and not match["title"].endswith(","):
        text, alternative = match["title"], match["alt"].strip()
        if alternative.lower().startswith("a.k.a."):
            alternative = alternative[6:].strip()
    title = front_article(text) or text or raw.strip()
    # The alternative title, else the MovieLens text itself when normalising changed it.
    original = front_article(alternative) if alternative else (text if title != text else "")
    return Title(title=title[:300], original_title=original[:300], year=year)


def name_key(name: str) -> str:
    """The key people are deduplicated on: accents, case, punctuation spacing and whitespace folded."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    plain = re.sub(r"[.\s]+", " ", plain.casefold()).strip()
    return plain[:200]
