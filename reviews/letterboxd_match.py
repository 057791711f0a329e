"""Which catalogue film a row of someone else's export names.

Titles are compared through ``title_keys``: a pure function that turns one written title into the keys it
should match under, whatever its source's habits (MovieLens writes "Godfather, The" and puts alternative
titles in parentheses; Letterboxd writes "The Godfather"; other sources drop accents or write "&"). A film
is indexed under the keys of every title ``film_titles`` gives for it, so adding a source of titles (say,
a table of alternative titles) is a change to that one function.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import Q

from catalog.models import Film
from catalog.selectors import film_title_forms

from .models import LetterboxdFilm

# Leading articles in English, French, German, Spanish and Italian. Dropped from the front of a title and
# from the ", The" suffix form, so "The Godfather", "Godfather, The" and "Godfather" share a key.
ARTICLES = frozenset(
    [
        "the",
        "a",
        "an",
        "le",
        "la",
        "les",
        "l",
        "un",
        "une",
        "der",
        "die",
        "das",
        "dem",
        "den",
        "ein",
        "eine",
        "el",
        "los",
        "las",
        "lo",
        "il",
        "gli",
        "i",
        "uno",
    ]
)
# Elided articles join the next word ("L'Avventura", "L'Atalante", "Dell'amore"): split them off first.
ELIDED = re.compile(r"\b(l|d|dell|nell|all|sull|un)['’]", re.IGNORECASE)
# Roman numerals as whole words, for sequels ("Rocky II" and "Rocky 2"). "I" stays a word (a pronoun).
ROMAN = {"ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9", "x": "10"}
PARENTHESES = re.compile(r"\(([^()]*)\)")
AKA = re.compile(r"^\s*(a\.?k\.?a\.?|aka)\s+", re.IGNORECASE)


def fold(text: str) -> str:
    """Lower case without accents, "&" as "and", punctuation as spaces, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = text.replace("ß", "ss").replace("æ", "ae").replace("Æ", "ae").replace("ø", "o").replace("Ø", "o")
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("ł", "l").replace("Ł", "l").casefold()
    text = ELIDED.sub(r"\1 ", text)
    text = re.sub(r"['’`´]", "", text)  # "Schindler's" and "Schindlers" are one word
    text = text.replace("&", " and ").replace("+", " and ")
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def _without_articles(words: list[str]) -> list[str]:
    if len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    return words


def _key(title: str) -> str:
    title = title.strip()
    # MovieLens and library catalogues move the article to the end: "Godfather, The", "Cité des enfants, La".
    if m := re.match(r"^(.*\S),\s*(\w+['’]?)$", title):
        head, article = m.groups()
        if fold(article).replace(" ", "") in ARTICLES:
            title = head
    words = _without_articles(fold(title).split())
    return " ".join(ROMAN.get(word, word) for word in words)


def title_variants(title: str) -> list[str]:
    """The written forms inside one stored title: the whole, the title without its parenthesised parts,
    and each parenthesised part ("Seven Samurai (The Magnificent Seven)" gives all three)."""
    variants = [title]
    inner = [AKA.sub("", part) for part in PARENTHESES.findall(title)]
    outer = PARENTHESES.sub(" ", title)
    if inner:
        variants.append(outer)
        variants.extend(inner)
    return [variant for variant in variants if variant.strip()]


def title_keys(title: str) -> set[str]:
    """Every key a title matches under. Pure: the same text always gives the same keys."""
    return {key for variant in title_variants(title) if (key := _key(variant))}


def film_titles(film: Film) -> list[str]:
    """Every title a film is known by: display, original and alternative titles (the MovieLens form,
    parenthesised and a.k.a. forms, and TMDb's when synced). FilmIndex fetches them in bulk; a film reached
    another way (through a learnt link) fetches its own."""
    known = getattr(film, "known_titles", None)
    if known is None:
        known = film.known_titles = film_title_forms(film_ids=[film.pk]).get(film.pk, [film.title])
    return known


# --- matching -----------------------------------------------------------------------------------------


@dataclass
class Wanted:
    """What a row of an export says about its film."""

    name: str
    year: int | None
    uri: str = ""
    tmdb_id: int | None = None
    imdb_id: str = ""


def own_film_id(uri: str) -> int | None:
    """The film id in a link to this site's own film page (an export from here, imported back)."""
    site = urlsplit(settings.SITE_URL)
    parts = urlsplit(uri.strip())
    if not parts.netloc or parts.netloc.lower() != site.netloc.lower():
        return None
    if m := re.fullmatch(r"/films/(\d{1,12})/?", parts.path):
        return int(m.group(1))
    return None


class FilmIndex:
    """The catalogue films that rows could name, indexed by key; built with a few queries for all rows."""

    def __init__(self, wanted: Sequence[Wanted]) -> None:
        tmdb_ids = {w.tmdb_id for w in wanted if w.tmdb_id}
        imdb_ids = {w.imdb_id for w in wanted if w.imdb_id}
        own_ids = {film_id for w in wanted if w.uri and (film_id := own_film_id(w.uri))}
        self.by_tmdb = {f.tmdb_id: f for f in Film.objects.filter(tmdb_id__in=tmdb_ids)} if tmdb_ids else {}
        self.by_imdb = {f.imdb_id: f for f in Film.objects.filter(imdb_id__in=imdb_ids)} if imdb_ids else {}
        self.by_own_uri = {f.pk: f for f in Film.objects.filter(pk__in=own_ids)} if own_ids else {}
        uris = {w.uri for w in wanted if w.uri}
        self.by_uri: dict[str, list[tuple[Film, bool]]] = {}
        if uris:
            for link in LetterboxdFilm.objects.filter(uri__in=uris).select_related("film"):
                self.by_uri.setdefault(link.uri, []).append((link.film, link.trusted))
        years = {w.year for w in wanted if w.year}
        # Years vary by one between sources (festival and release), so look one year around.
        nearby = {year + delta for year in years for delta in (-1, 0, 1)}
        films = Film.objects.filter(Q(year__in=nearby) | Q(year__isnull=True)) if nearby else Film.objects.all()
        if any(not w.year for w in wanted):
            films = Film.objects.all()
        self.by_key: dict[str, dict[int, Film]] = {}
        candidates = list(films.only("id", "title", "original_title", "year"))
        forms = film_title_forms(film_ids=[film.pk for film in candidates])
        for film in candidates:
            film.known_titles = forms.get(film.pk, [film.title])
            for key in film_keys(film):
                self.by_key.setdefault(key, {})[film.pk] = film

    def match(self, wanted: Wanted) -> Film | None:
        """By TMDb or IMDb id, a link to this site, a trusted Letterboxd link, then title and year."""
        if film := self.by_tmdb.get(wanted.tmdb_id) or self.by_imdb.get(wanted.imdb_id):
            return film
        if wanted.uri and (film_id := own_film_id(wanted.uri)) and (film := self.by_own_uri.get(film_id)):
            return film
        links = self.by_uri.get(wanted.uri, [])
        trusted = [film for film, is_trusted in links if is_trusted]
        if len(trusted) == 1:
            return trusted[0]
        if by_title := self._by_title(wanted):
            return by_title
        # A learnt link settles a tie between films of the same name, but only one that agrees with the row.
        agreeing = [film for film, _ in links if agrees(film, name=wanted.name, year=wanted.year)]
        return agreeing[0] if len(agreeing) == 1 else None

    def _by_title(self, wanted: Wanted) -> Film | None:
        films: dict[int, Film] = {}
        for key in title_keys(wanted.name):
            films.update(self.by_key.get(key, {}))
        return pick(list(films.values()), name=wanted.name, year=wanted.year)


def film_keys(film: Film) -> set[str]:
    return {key for title in film_titles(film) for key in title_keys(title)}


def agrees(film: Film, *, name: str, year: int | None) -> bool:
    """Whether a row's name and year describe this film (a link is only believed when they do)."""
    if year and film.year and abs(film.year - year) > 1:
        return False
    return bool(title_keys(name) & film_keys(film))


def pick(films: list[Film], *, name: str, year: int | None) -> Film | None:
    """The one film of those sharing a key that the row means, or None when it is not clear which."""
    if not films:
        return None
    if year:
        exact = [film for film in films if film.year == year]
        close = [film for film in films if film.year and abs(film.year - year) == 1]
        films = exact or close
    if len(films) > 1:
        # Several films share the key: prefer one whose whole title is written the same way.
        written = fold(name)
        same = [film for film in films if written in {fold(title) for title in film_titles(film)}]
        films = same or films
    return films[0] if len(films) == 1 else None


def match_all(wanted: Iterable[Wanted]) -> list[Film | None]:
    wanted = list(wanted)
    if not wanted:
        return []
    index = FilmIndex(wanted)
    return [index.match(w) for w in wanted]


def candidates(*, name: str, year: int | None, limit: int = 5) -> list[Film]:
    """The catalogue films closest to a name that matched nothing, most similar first."""
    query = " ".join(fold(variant) for variant in title_variants(name))[:300]
    if not query:
        return []
    films = (
        Film.objects.annotate(similarity=TrigramWordSimilarity(query, "title"))
        .filter(similarity__gt=0.3)
        .order_by("-similarity", "title")
        .only("id", "title", "year")[: limit * 4]
    )
    ranked = sorted(films, key=lambda f: (-(f.similarity + (0.2 if year and f.year == year else 0)), f.title))
    return ranked[:limit]
