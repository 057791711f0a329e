"""Vibe search: query understanding, one score per signal, normalisation, fusion, images → films.

Signals:
  palette  colour words and measures (palette.py) or picked colours, scored over every analysed image in
           memory (PaletteIndex: exact up to 20k images, two passes above; each term's column over every image
           kept with the index; ~6-17 ms at 100k)
  clip     CLIP text→image cosine through the HNSW index on ImageAesthetics.clip_vector (off when no
           checkpoint is configured: reported as off, never approximated)
  text     MiniLM query→plot/tags/reviews cosine through the HNSW index on FilmTextEmbedding

The query is encoded by CLIP and MiniLM on background threads while palettes are scored. Each signal keeps
its top `candidates` (images for palette and CLIP, texts for MiniLM) and is min-max normalised over them. Image signals
are aggregated per film (best image and the mean of the top few); the film score is the weighted mean of
the active signals with the staff-tuned weights in VibeSettings.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from django.db import connection, transaction
from django.db.models import Exists, Q, Subquery
from django.db.models.expressions import RawSQL
from pgvector import HalfVector
from pgvector.django import CosineDistance

from catalog.models import Film, FilmImage
from catalog.selectors import streaming_filter
from cineaesthete.caches import ProcessCache
from cineaesthete.ml import text_encoder
from recommendations.engine.als import single_threaded_blas
from recommendations.models import RecommenderModel
from recommendations.selectors import member_film_scores, serving_model
from reviews.selectors import review_words

from . import palette as pal
from .encoders import clip_encoder, encode_texts_async
from .models import REVIEW_TEXT_CHARS, TEXT_DIM, FilmTextEmbedding, ImageAesthetics, VibeSettings
from .query import CONCEPT_SYNONYMS, LIGHT_TERMS, Part, Reading, read_query

log = logging.getLogger(__name__)
_VECTORS = ("clip_vector", "palette_vector")  # not needed to show a result; parsing them costs milliseconds

MAX_QUERY_LENGTH = 300
MAX_PICKED_COLOURS = 5
SIGNALS = ("palette", "clip", "text")


class VibeQueryError(ValueError):
    """A query that cannot be searched; the message is meant for the member."""


@dataclass
class FilmMatch:
    film: Film
    score: float
    signals: dict[str, float]  # normalised per-signal film scores that went into the fused score
    reasons: list[str]
    image: ImageAesthetics | None  # the best-matching image (with .image, .palette)


@dataclass
class VibeResults:
    query: str
    terms: list[str]
    meaning: str
    signal_status: dict[str, str]  # "on", "off" (not configured / no data) or "unused" (nothing to score)
    matches: list[FilmMatch] = field(default_factory=list)
    taste_applied: bool = False
    reading: Reading | None = None  # how the query was read, part by part
    parts: list[Part] = field(default_factory=list)


# --- palette index ------------------------------------------------------------------------------------
# A poster is designed to sell the film; backdrops, stills and trailer frames show how it looks. Where a film
# has any of those, its poster's match counts this much (a still that matches as well still wins).
POSTER_BESIDE_STILLS = 0.8


class PaletteIndex:
    """Every analysed image's palette and measures as arrays, for vectorised scoring.

    Up to EXACT_UP_TO images every score is exact. Past that, a first pass scores all images with the anchor
    approximation (a sparse matrix product per term, ``palette.approximate_coverage``) and only the best
    PREFILTER_SHARE get the exact score; the others score 0, which only ever drops images far below the
    candidates a search keeps (recall of the exact top 300 at 100k images: ``bench/bench_vibe.py``).

    A term's column over every image (first-pass or exact) depends only on the term and the images, so it is
    kept with the index: a query then costs a mean of kept columns and the exact pass over its few images.
    """

    EXACT_UP_TO = 20_000
    PREFILTER_SHARE = 0.05
    PREFILTER_MIN = 2_000
    TERM_COLUMNS_KEPT = 128  # the lexicon's terms, first-pass and exact: ~100 columns of n floats
    # and at most this many bytes of them per process: all 128 at 100k images (51 MB), the lexicon's 32 colour
    # words at a million (the rest are then computed per query: slower, never unbounded memory)
    TERM_COLUMNS_BYTES = 128 * 2**20

    def __init__(self, image_ids, film_ids, colours, shares, measures, kinds=None) -> None:
        self.row_ids = np.asarray(image_ids, dtype=np.int64)  # ImageAesthetics ids
        self.film_ids = np.asarray(film_ids, dtype=np.int64)
        self.colours, self.shares, self.measures = colours, shares, measures
        self.weights = _image_weights(self.film_ids, kinds)
        self._mass = None  # scipy.sparse (n, anchors), built on first need
        # A term's match over every image depends on the term and the index alone: kept per (term, approximate).
        self._term_columns: dict[tuple[pal.Term, bool], np.ndarray] = {}
        self._term_columns_bytes = 0

    def __len__(self) -> int:
        return len(self.row_ids)

    @classmethod
    def from_palettes(cls, row_ids, film_ids, palettes: list[pal.Palette], kinds=None) -> PaletteIndex:
        colours, shares, measures = pal.stack_palettes(palettes)
        return cls(row_ids, film_ids, colours, shares, measures, kinds)

    @classmethod
    def from_db(cls) -> PaletteIndex:
        rows = ImageAesthetics.objects.filter(status=ImageAesthetics.Status.DONE).values_list(
            "id", "film_id", "image__kind", "palette", *pal.MEASURES
        )
        row_ids, film_ids, kinds, palettes = [], [], [], []
        for row_id, film_id, kind, colours, *measures in rows.iterator(chunk_size=5000):
            row_ids.append(row_id)
            film_ids.append(film_id)
            kinds.append(kind)
            palettes.append(pal.Palette.from_json(colours, dict(zip(pal.MEASURES, measures, strict=True))))
        index = cls.from_palettes(row_ids, film_ids, palettes, kinds)
        if len(index) > cls.EXACT_UP_TO:
            # Built once with the index, not on the first queries: the anchor mass and the first pass of every
            # colour word (~3 ms a colour at 100k images; ~13 MB).
            index.anchor_mass()
            for term in pal.LEXICON.values():
                if term.colours:
                    index._term_column(term, approximate=True)
        return index

    def anchor_mass(self):
        if self._mass is None:
            self._mass = pal.anchor_mass(self.colours, self.shares)
        return self._mass

    def _term_column(self, term: pal.Term, *, approximate: bool) -> np.ndarray:
        """(n,) the term's match over every image: exact, or with the anchor approximation of the first pass."""
        key = (term, approximate)
        column = self._term_columns.get(key)
        if column is None:
            coverage = None
            if approximate and term.colours:
                found = pal.approximate_coverage(self.anchor_mass(), pal.term_labs(term))
                coverage = lambda _colours, _shares, _targets: found  # noqa: E731
            column = pal.score_term(term, self.colours, self.shares, self.measures, coverage=coverage)
            if (
                len(self._term_columns) < self.TERM_COLUMNS_KEPT
                and self._term_columns_bytes + column.nbytes <= self.TERM_COLUMNS_BYTES
            ):
                self._term_columns[key] = column
                self._term_columns_bytes += column.nbytes
        return column

    def _every_image(self, terms, picked: list[str], *, approximate: bool) -> np.ndarray:
        """(n, columns) matches of every image: the picked colours first (when any), then one column per term."""
        columns = []
        if picked:
            coverage = None
            if approximate:
                found = pal.approximate_coverage(self.anchor_mass(), pal.hex_labs(picked))
                coverage = lambda _colours, _shares, _targets: found  # noqa: E731
            columns.append(pal.score_colours(picked, self.colours, self.shares, coverage=coverage))
        columns += [self._term_column(term, approximate=approximate) for term in terms]
        return np.stack(columns, axis=1)

    def _exact(self, terms, picked: list[str], rows: np.ndarray) -> np.ndarray:
        """(len(rows), columns) exact matches of a few images."""
        colours, shares, measures = self.colours[rows], self.shares[rows], self.measures[rows]
        columns = [pal.score_colours(picked, colours, shares)] if picked else []
        columns += [pal.score_term(term, colours, shares, measures) for term in terms]
        return np.stack(columns, axis=1)

    def score(self, terms, picked: list[str] | None = None, allowed: np.ndarray | None = None):
        """(n,) mean match over the picked colours and the terms, and (n, columns) per-column matches.

        ``allowed`` (bool per image) restricts the search (genre, decade) before the exact pass is chosen.
        """
        picked = list(picked or [])
        if len(self) <= self.EXACT_UP_TO:
            per = self._every_image(terms, picked, approximate=False)
            if allowed is not None:
                per[~allowed] = 0.0  # a stacked copy: the cached columns are not written
            return per.mean(1), per
        first = self._every_image(terms, picked, approximate=True).mean(1)
        if allowed is not None:
            first[~allowed] = -1.0
        keep = min(len(self), max(self.PREFILTER_MIN, int(self.PREFILTER_SHARE * len(self))))
        rows = np.sort(np.argpartition(-first, keep - 1)[:keep])
        if allowed is not None:
            rows = rows[allowed[rows]]
        per = np.zeros((len(self), int(bool(picked)) + len(terms)), dtype=np.float32)
        if len(rows):
            per[rows] = self._exact(terms, picked, rows)
        return per.mean(1), per


# Which version of a topic's rows ("images", "texts") a query sees, from the rows the triggers of migration 0003
# keep: a row per writing backend, so this reads a handful of rows however many images there are.
_CHANGES_SQL = "SELECT (coalesce(sum(change), 0), max(change))::text FROM aesthetics_change WHERE topic = %s"


def _palette_index_version() -> tuple:
    """Which analysed images there are."""
    with connection.cursor() as cursor:
        cursor.execute(_CHANGES_SQL, ["images"])
        return (connection.settings_dict["NAME"], cursor.fetchone()[0])


_index_cache: ProcessCache[tuple, PaletteIndex] = ProcessCache(
    lambda version: PaletteIndex.from_db(), key=_palette_index_version, name="palette index"
)


def palette_index() -> PaletteIndex:
    """The cached index of this process, rebuilt when images were analysed, changed or removed."""
    return _index_cache.get()


@dataclass
class SearchState:
    """What one search needs to know before it starts, asked in one query: the staff knobs and which versions
    of the cached palette index and film knowledge are current."""

    knobs: VibeSettings
    palette_version: tuple
    knowledge_version: tuple


def search_state() -> SearchState:
    active = RecommenderModel.objects.filter(state=RecommenderModel.State.ACTIVE).order_by("pk").values("version")
    knobs = (
        VibeSettings.objects.filter(pk=1)
        .annotate(
            images_seen=RawSQL(_CHANGES_SQL, ["images"]),
            texts_seen=RawSQL(_CHANGES_SQL, ["texts"]),
            films_seen=RawSQL("SELECT (count(*), max(updated_at))::text FROM catalog_film", []),
            active_model=Subquery(active[:1]),
        )
        .first()
    )
    if knobs is None:  # no settings saved yet: the defaults, stored once
        VibeSettings.load()
        return search_state()
    database = connection.settings_dict["NAME"]
    return SearchState(
        knobs=knobs,
        palette_version=(database, knobs.images_seen),
        knowledge_version=(database, knobs.films_seen, knobs.texts_seen, knobs.active_model),
    )


# --- helpers --------------------------------------------------------------------------------------------
def validate_query(query: str, colours: list[str] | None = None) -> str:
    query = (query or "").strip()
    colours = colours or []
    if len(query) > MAX_QUERY_LENGTH:
        raise VibeQueryError(f"That query is {len(query)} characters long; keep it under {MAX_QUERY_LENGTH}.")
    if not query and not colours:
        raise VibeQueryError("Describe a look or a feeling, or pick a colour.")
    if len(colours) > MAX_PICKED_COLOURS:
        raise VibeQueryError(f"Pick at most {MAX_PICKED_COLOURS} colours.")
    for colour in colours:
        try:
            pal.hex_to_lab(colour)
        except ValueError as error:
            raise VibeQueryError(str(error)) from error
    return query


def _top_normalised(scores: dict[int, float], k: int) -> dict[int, float]:
    """Keep the top k, min-max normalise them to (0, 1]; the floor is the k-th score (or 0 when fewer)."""
    if not scores:
        return {}
    top = sorted(scores.items(), key=lambda item: -item[1])[:k]
    best = top[0][1]
    floor = top[-1][1] if len(scores) > k else min(0.0, top[-1][1])
    span = best - floor
    if span <= 1e-9:
        return {key: 1.0 for key, _ in top}
    return {key: (value - floor) / span for key, value in top}


def _aggregate(image_scores: dict[int, float], film_of: dict[int, int], *, best_share: float, top: int):
    """Image scores → film scores: best_share × best image + the rest × mean of the film's top images."""
    per_film: dict[int, list[float]] = {}
    for row_id, score in image_scores.items():
        per_film.setdefault(film_of[row_id], []).append(score)
    result = {}
    for film_id, scores in per_film.items():
        scores.sort(reverse=True)
        result[film_id] = best_share * scores[0] + (1 - best_share) * float(np.mean(scores[:top]))
    return result


def _hnsw(ef_search: int) -> None:
    with connection.cursor() as cursor:
        # Filters (genre, decade, one checkpoint) are applied while scanning, not after: pgvector 0.8. Both
        # settings are local to the transaction and set in one round trip.
        cursor.execute(
            "SELECT set_config('hnsw.ef_search', %s, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)",
            [str(int(ef_search))],
        )


def allowed_films(
    *, genre: str | None = None, decade: int | None = None, streaming: Exists | None = None
) -> set[int] | None:
    """The films the filters keep (``streaming``: a catalog.selectors.streaming_filter condition), one query;
    None when nothing is filtered."""
    if not genre and decade is None and streaming is None:
        return None
    films = Film.objects.all()
    if streaming is not None:
        films = films.filter(streaming)
    if genre:
        films = films.filter(genres__slug=genre)
    if decade is not None:
        films = films.filter(year__gte=decade, year__lt=decade + 10)
    return set(films.values_list("id", flat=True))


# --- signals ----------------------------------------------------------------------------------------------
def _nearest_images(rows, distance, *, k: int, ef_search: int, film_ids=None, exclude=None):
    """{ImageAesthetics id: (film id, cosine similarity)} of the k ``rows`` nearest by ``distance``."""
    if film_ids is not None:
        rows = rows.filter(film_id__in=film_ids)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    with transaction.atomic():
        _hnsw(ef_search)
        found = list(rows.annotate(distance=distance).order_by("distance").values_list("id", "film_id", "distance")[:k])
    return {row_id: (film_id, 1 - distance) for row_id, film_id, distance in found}


def clip_candidates(vector: np.ndarray, model_name: str, *, k: int, ef_search: int, film_ids=None, exclude=None):
    """{ImageAesthetics id: (film id, cosine similarity)} of the k nearest CLIP image vectors."""
    return _nearest_images(
        ImageAesthetics.objects.filter(clip_model=model_name),
        CosineDistance("clip_vector", HalfVector(vector.tolist())),
        k=k,
        ef_search=ef_search,
        film_ids=film_ids,
        exclude=exclude,
    )


def palette_neighbours(vector, *, k: int, ef_search: int, film_ids=None, exclude=None):
    return _nearest_images(
        ImageAesthetics.objects.filter(status=ImageAesthetics.Status.DONE),
        CosineDistance("palette_vector", list(map(float, vector))),
        k=k,
        ef_search=ef_search,
        film_ids=film_ids,
        exclude=exclude,
    )


def text_candidates(text: str, *, k: int, ef_search: int, film_ids=None, vector: np.ndarray | None = None):
    """{film id: (cosine similarity, source)}: the best of each film's texts among the k nearest.

    ``vector``: the text's MiniLM embedding when the caller already has it (vibe_search encodes concurrently).
    """
    if vector is None:
        vector = text_encoder().embed([text])[0]
    rows = FilmTextEmbedding.objects.all()
    if film_ids is not None:
        rows = rows.filter(film_id__in=film_ids)
    with transaction.atomic():
        _hnsw(ef_search)
        found = list(
            rows.annotate(distance=CosineDistance("vector", vector.tolist()))
            .order_by("distance")
            .values_list("film_id", "source", "distance")[:k]
        )
    best: dict[int, tuple[float, str]] = {}
    for film_id, source, distance in found:
        if film_id not in best or 1 - distance > best[film_id][0]:
            best[film_id] = (1 - distance, source)
    return best


# --- film-level knowledge: texts, catalogue, the people graph -----------------------------------------------
@dataclass
class FilmKnowledge:
    """Everything the search knows per film, as arrays over one film order (``film_ids``)."""

    film_ids: np.ndarray  # (F,) catalogue ids
    position: dict[int, int]
    titles: list[str]
    years: np.ndarray  # (F,) 0 when unknown
    genres: list[frozenset[str]]
    popularity: np.ndarray  # (F,) log ratings scaled to [0, 1]
    text_rows: np.ndarray  # (T,) film position of each text vector
    text_sources: list[str]
    text_vectors: np.ndarray  # (T, 384) unit vectors of plots, reviews, tags
    graph: sp.csr_matrix | None  # (F, F) row-normalised top neighbours by the recommender's item factors
    title_words: dict[str, np.ndarray] = field(default_factory=dict)  # word -> film positions with it in the title
    genre_matrix: np.ndarray | None = None  # (F, G) 1 where a film has the genre

    def genre_prior(self, scores: np.ndarray, *, top: int) -> np.ndarray:
        """(F,) how much each film's genres are over-represented among the ``top`` best-scoring films, in [0, 1].

        Learnt per query from the evidence itself (pseudo-relevance feedback): "tense" plots and reviews are
        mostly thrillers', so every thriller is lifted a little, and no genre is wired to a word by hand.
        """
        if self.genre_matrix is None or not self.genre_matrix.shape[1] or scores.max() <= 0:
            return np.zeros(len(self.film_ids), dtype=np.float32)
        top = min(top, len(scores))
        best = np.argpartition(-scores, top - 1)[:top]
        weights = np.maximum(scores[best], 0)
        among_best = (weights @ self.genre_matrix[best]) / (weights.sum() + 1e-9)
        overall = self.genre_matrix.mean(0) + 1e-9
        lift = np.log(np.maximum(among_best / overall, 1.0))  # only genres seen more often than by chance
        counts = self.genre_matrix.sum(1)
        prior = (self.genre_matrix @ lift) / np.maximum(counts, 1)
        return (prior / prior.max()).astype(np.float32) if prior.max() > 0 else prior.astype(np.float32)

    def title_scores(self, words: Iterable[str]) -> np.ndarray:
        """(F,) 1 for the films whose title holds any of the words ("Three Colors: Red" for red), else 0."""
        found = np.zeros(len(self.film_ids), dtype=np.float32)
        for word in words:
            found[self.title_words.get(word, [])] = 1.0
        return found

    def text_scores(self, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(F,) best cosine of each film's texts with the query vector, and (F,) which text row gave it."""
        best = np.full(len(self.film_ids), -1.0, dtype=np.float32)
        source = np.full(len(self.film_ids), -1, dtype=np.int64)
        if not len(self.text_rows):
            return np.zeros(len(self.film_ids), dtype=np.float32), source
        cosine = self.text_vectors @ vector.astype(np.float32)
        order = np.argsort(cosine)  # ascending: the best text of a film is written last
        best[self.text_rows[order]] = cosine[order]
        source[self.text_rows[order]] = order
        return np.maximum(best, 0.0), source


_description_vectors: dict[tuple[str, str], np.ndarray] = {}
GRAPH_NEIGHBOURS = 20


def _people_graph(film_ids: np.ndarray) -> sp.csr_matrix | None:
    """Films loved by the same people: each film's GRAPH_NEIGHBOURS nearest by the active model's item factors."""
    serving = serving_model()
    if serving is None:
        return None
    rows = serving.recommender.index_of(film_ids)
    known = np.flatnonzero(rows >= 0)
    if len(known) < 2:
        return None
    factors = serving.unit_factors[rows[known]]
    k = min(GRAPH_NEIGHBOURS, len(known) - 1)
    data, indices, indptr = [], [], [0]
    neighbours_of: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for start in range(0, len(known), 2048):
        similarity = factors[start : start + 2048] @ factors.T
        for offset, row in enumerate(similarity):
            row[start + offset] = -np.inf
            top = np.argpartition(-row, k - 1)[:k]
            weights = np.maximum(row[top], 0.0)
            total = weights.sum()
            if total > 0:
                neighbours_of[int(known[start + offset])] = (known[top], weights / total)
    for position in range(len(film_ids)):
        found = neighbours_of.get(position)
        if found is not None:
            indices.extend(found[0].tolist())
            data.extend(found[1].tolist())
        indptr.append(len(indices))
    return sp.csr_matrix((np.asarray(data, np.float32), indices, indptr), shape=(len(film_ids), len(film_ids)))


def _film_knowledge_version() -> tuple:
    """Which films, film texts and active recommender model there are."""
    return search_state().knowledge_version


def _film_knowledge_build(version: tuple) -> FilmKnowledge:
    films = list(Film.objects.order_by("id").values_list("id", "title", "year", "rating_count"))
    film_ids = np.array([row[0] for row in films], dtype=np.int64)
    position = {int(film_id): i for i, film_id in enumerate(film_ids)}
    genres: list[set[str]] = [set() for _ in films]
    for film_id, slug in Film.genres.through.objects.values_list("film_id", "genre__slug"):
        if film_id in position:
            genres[position[film_id]].add(slug)
    counts = np.log1p(np.array([row[3] or 0 for row in films], dtype=np.float32))
    texts = list(FilmTextEmbedding.objects.order_by("id").values_list("film_id", "source", "vector"))
    vectors = np.array([row[2] for row in texts], dtype=np.float32).reshape(-1, TEXT_DIM)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    knowledge = FilmKnowledge(
        film_ids=film_ids,
        position=position,
        titles=[row[1] for row in films],
        years=np.array([row[2] or 0 for row in films], dtype=np.int64),
        genres=[frozenset(g) for g in genres],
        popularity=counts / counts.max() if len(counts) and counts.max() > 0 else counts,
        text_rows=np.array([position[row[0]] for row in texts], dtype=np.int64),
        text_sources=[row[1] for row in texts],
        text_vectors=vectors,
        graph=_people_graph(film_ids),
        title_words=_title_index([row[1] for row in films]),
        genre_matrix=_genre_matrix(genres),
    )
    return knowledge


def _genre_matrix(genres: list[set[str]]) -> np.ndarray:
    names = sorted(set().union(*genres)) if genres else []
    column = {name: i for i, name in enumerate(names)}
    matrix = np.zeros((len(genres), len(names)), dtype=np.float32)
    for position, slugs in enumerate(genres):
        matrix[position, [column[slug] for slug in slugs]] = 1.0
    return matrix


def _title_index(titles: list[str]) -> dict[str, np.ndarray]:
    positions: dict[str, list[int]] = {}
    for position, title in enumerate(titles):
        for word in set(re.findall(r"[^\W\d_]+", title.casefold())):
            positions.setdefault(word, []).append(position)
    return {word: np.asarray(found, dtype=np.int64) for word, found in positions.items()}


_knowledge_cache: ProcessCache[tuple, FilmKnowledge] = ProcessCache(
    _film_knowledge_build, key=_film_knowledge_version, name="film knowledge"
)


def film_knowledge() -> FilmKnowledge:
    """The cached film knowledge of this process, rebuilt when films, texts or the active model change."""
    return _knowledge_cache.get()


def _taste_scores(user, film_ids: list[int]) -> dict[int, float] | None:
    """The member's recommendation scores; None (logged with the cause) when the recommender cannot give them."""
    try:
        return member_film_scores(user=user, film_ids=film_ids) or None
    except Exception:  # a broken model must not break search, but it must not fail silently either
        log.exception("match my taste: recommendation scores failed for member %s", getattr(user, "pk", None))
        return None


# --- search -------------------------------------------------------------------------------------------------
# How much each kind of evidence counts within a part of the query (tuned on the validation half of
# aesthetics/judgements.py with `manage.py evaluate_vibe --half validation`, the test half only reported;
# "people" is the text evidence spread over films loved by the same people, "title" a colour or a setting named in
# the title: setting titles at 0 / 0.3 / 0.6 / 1.0 gave setting recall@50 .243 / .317 / .324 / .324 on the
# validation half, and 0.6 moved the test half .570 -> .600, precision@10 .300 -> .367, MRR .833 -> 1.0).
EVIDENCE_WEIGHTS = {
    "colour": {"palette": 1.0, "text": 0.3, "people": 0.15, "catalogue": 0.0, "title": 1.0},
    "light": {"palette": 1.0, "text": 1.0, "people": 0.2, "catalogue": 0.3},
    "film": {"palette": 0.0, "text": 0.7, "people": 0.6, "catalogue": 1.0},
    "setting": {"palette": 0.0, "text": 1.0, "people": 0.5, "catalogue": 0.4, "title": 0.6},
    "mood": {"palette": 0.0, "text": 1.0, "people": 0.8, "catalogue": 0.5},
    "period": {"catalogue": 1.0},  # a decade: only the catalogue's years say it
    "text": {"palette": 0.0, "text": 1.0, "people": 0.4, "catalogue": 0.0},
}
# The films people know come first: a labelled query's expected films are mostly well-known ones, and on the
# labelled set a strong prior lifts recall@50 of every kind but film words (0.15 -> 1.0: 0.24 -> 0.30 overall).
# Measured and not kept: the prior as a factor, score × (1 + β·popularity), so that a film needs evidence of its
# own (β 1-8: recall@50 .338-.370 on the validation half against .373, .277-.321 on the test half against .357);
# a soft AND over a query's parts, (1 - a)·mean + a·min (a 0.25 / 0.5: validation .381 / .388, test .362 / .362
# but MRR .620 -> .591 / .586, on the 6 labelled queries of several parts).
POPULARITY_WEIGHT = 1.0
# Pseudo-relevance feedback per part kind: how much the genre prior learnt from the part's own best films counts.
# A decade prior learnt the same way (the decades over-represented among a part's best 100 films) was measured
# and not kept: on the validation half it lifted recall@50 (light .213 -> .277 at weight 0.15, colour .421 -> .564
# at 0.1, film words .518 -> .611 at 0.2), on the test half the same weights lowered it (light .267 -> .211,
# colour .319 -> .278, film .418 -> .388): a fit to a few queries, not a signal.
FEEDBACK: dict[str, dict[str, float]] = {"light": {"genres": 0.3}, "mood": {"genres": 0.15}}
GENRE_PRIOR_TOP = 100  # the best films of a part whose genres make its learnt genre prior
TEXT_SEEDS = 30  # the best text matches whose neighbours in the people graph are lifted


def _title_words(part: Part) -> set[str]:
    """The words whose presence in a title is evidence for a part: the hue words of a colour part ("pink" of
    "pastel pink", as titles may spell them: "Three Colors: Red"), and a one-word setting with its one-word
    synonyms ("Singin' in the Rain", "Black Rain" for rain); nothing for the other kinds."""
    if part.kind == "colour":
        hues = {word for word in part.key.split() if word in pal.LEXICON and pal.LEXICON[word].colours}
        if len(hues - LIGHT_TERMS) > 1:  # a scheme ("teal and orange") is a grade, not a word a title would carry
            return set()
        # Not the plurals: a title's "Blues" or "Reds" is music, sadness or politics ("The Blues Brothers").
        spellings = {spelling for spelling, word in pal.SYNONYMS.items() if word in hues and spelling != f"{word}s"}
        return hues | {spelling for spelling in spellings if spelling.isalpha()}
    if part.kind == "setting":
        words = {part.key} if part.key.isalpha() else set()
        return words | {synonym for synonym, key in CONCEPT_SYNONYMS.items() if key == part.key and synonym.isalpha()}
    return set()


def _normalise_top(scores: np.ndarray, k: int) -> np.ndarray:
    """Min-max over the top k (the k-th best maps to 0, everything below it too)."""
    if not len(scores) or scores.max() <= 0:
        return np.zeros_like(scores, dtype=np.float32)
    k = min(k, len(scores))
    floor = np.partition(scores, len(scores) - k)[len(scores) - k] if k < len(scores) else 0.0
    if scores.max() - floor <= 1e-9:
        # More than k films share the best score (every fully monochrome poster for "black and white"): they
        # all get 1 and the rest keep their order below them, rather than everything above 0 becoming 1.
        floor = 0.0
    span = scores.max() - floor
    return np.clip((scores - floor) / span, 0, 1).astype(np.float32)


def _film_groups(index: PaletteIndex, knowledge: FilmKnowledge):
    """The index's images grouped by film position (sorted once per index and catalogue, then cached)."""
    cached = getattr(index, "_film_groups", None)
    if cached is not None and cached[0] is knowledge:
        return cached[1]
    found = np.searchsorted(knowledge.film_ids, index.film_ids)
    found = np.minimum(found, max(len(knowledge.film_ids) - 1, 0))
    known = np.flatnonzero(knowledge.film_ids[found] == index.film_ids) if len(knowledge.film_ids) else found[:0]
    order = known[np.argsort(found[known], kind="stable")]
    positions = found[order]
    starts = np.flatnonzero(np.r_[True, positions[1:] != positions[:-1]]) if len(order) else order[:0]
    groups = (order, starts, positions[starts] if len(order) else positions[:0])
    index._film_groups = (knowledge, groups)
    return groups


def _image_weights(film_ids: np.ndarray, kinds) -> np.ndarray:
    """Per image, how much its look counts for its film: 1, but POSTER_BESIDE_STILLS for the poster of a film
    that also has backdrops, stills or frames (what the film looks like, rather than its marketing)."""
    weights = np.ones(len(film_ids), dtype=np.float32)
    if kinds is None or not len(film_ids):
        return weights
    posters = np.asarray([kind == FilmImage.Kind.POSTER for kind in kinds], dtype=bool)
    with_stills = np.isin(film_ids, np.unique(film_ids[~posters]))
    weights[posters & with_stills] = POSTER_BESIDE_STILLS
    return weights


def _palette_by_film(index: PaletteIndex, per_column: np.ndarray, knowledge: FilmKnowledge) -> np.ndarray:
    """(F, columns): each film's best image per column, posters discounted beside stills (one sorted
    reduction, no per-image Python)."""
    out = np.zeros((len(knowledge.film_ids), per_column.shape[1]), dtype=np.float32)
    # Matches are never negative, so only the images that match something count: past EXACT_UP_TO that is the
    # few the exact pass scored, not every image.
    rows = np.flatnonzero(per_column.any(1))
    positions = _row_positions(index, knowledge)[rows]
    known = positions >= 0
    rows, positions = rows[known], positions[known]
    np.maximum.at(out, positions, per_column[rows] * index.weights[rows, None])
    return out


def _row_positions(index: PaletteIndex, knowledge: FilmKnowledge) -> np.ndarray:
    """(n,) the film position of each of the index's images, -1 for a film the knowledge lacks (cached)."""
    cached = getattr(index, "_row_positions", None)
    if cached is not None and cached[0] is knowledge:
        return cached[1]
    positions = np.full(len(index), -1, dtype=np.int64)
    order, starts, films = _film_groups(index, knowledge)
    if len(order):
        positions[order] = np.repeat(films, np.diff(np.r_[starts, len(order)]))
    index._row_positions = (knowledge, positions)
    return positions


def _best_image_rows(index: PaletteIndex, per_column: np.ndarray, knowledge: FilmKnowledge, wanted: list[int]):
    """{film position: index row of its best image over all columns}, for the few films shown."""
    order, starts, films = _film_groups(index, knowledge)
    group_of = {int(position): g for g, position in enumerate(films)}
    ends = np.r_[starts[1:], len(order)] if len(order) else starts
    out = {}
    for position in wanted:
        g = group_of.get(position)
        if g is not None:
            rows = order[starts[g] : ends[g]]
            out[position] = int(rows[np.argmax(per_column[rows].mean(1) * index.weights[rows])])
    return out


COLOUR_NAMES = {
    "black": "#101010", "white": "#f4f4f4", "grey": "#808080", "red": "#c81e1e", "crimson": "#8b0000",
    "orange": "#f28c28", "yellow": "#f2d024", "gold": "#c9922e", "brown": "#6b4226", "beige": "#e0cfb0",
    "green": "#2f9e44", "teal": "#127475", "cyan": "#00c8d4", "blue": "#1f4fd1", "navy": "#16224a",
    "purple": "#6a2c91", "magenta": "#d1008f", "pink": "#f4a6c6",
}  # fmt: skip
_NAME_LABS = {name: pal.hex_to_lab(hex_colour) for name, hex_colour in COLOUR_NAMES.items()}
_NAMES = list(_NAME_LABS)
_NAME_MATRIX = np.stack([_NAME_LABS[name] for name in _NAMES])  # (names, 3), one distance per name at once


def colour_words(palette: list[dict], *, most: int = 3) -> str:
    """'cyan and magenta on black': the palette's main colours named in plain words, the largest last."""
    names: list[str] = []
    for colour in sorted(palette, key=lambda c: -c.get("share", 0))[:4]:
        lab = np.asarray(colour["lab"], dtype=np.float32)
        name = _NAMES[int(np.argmin(((_NAME_MATRIX - lab) ** 2).sum(1)))]  # the first of equally near ones
        if name not in names:
            names.append(name)
    names = names[:most]
    if len(names) <= 1:
        return names[0] if names else ""
    return f"{' and '.join(names[1:])} on {names[0]}"


def _one_blas_thread(search: Callable[..., VibeResults]) -> Callable[..., VibeResults]:
    """A search's matrix products are small and share the cores with the query encoders and other processes:
    a second BLAS thread only waits for a core (a 4,147 x 384 text product: ~0.1 ms on one thread, ~10 ms on
    two on a loaded 2-core machine). The same products on one thread give the same numbers."""

    @functools.wraps(search)
    def on_one_thread(*args, **kwargs) -> VibeResults:
        with single_threaded_blas():
            return search(*args, **kwargs)

    return on_one_thread


@_one_blas_thread
def vibe_search(
    *,
    query: str = "",
    colours: list[str] | None = None,
    genre: str | None = None,
    decade: int | None = None,
    user=None,
    match_taste: bool = False,
    limit: int = 24,
    index: PaletteIndex | None = None,
    signals: tuple[str, ...] = SIGNALS,
    streaming: str = "",
    country: str = "",
    service_ids: Iterable[int] = (),
) -> VibeResults:
    """Films matching a described look/feeling and/or picked colours, best first, each with reasons in words.

    The query is read into parts (aesthetics/query.py); each part is scored on the evidence that can answer
    it (palette measures, plots and reviews, the same evidence spread over films loved by the same people,
    genres and periods); a film's score is the mean over the parts, so "rain with neon" wants both.
    """
    colours = list(colours or [])
    query = validate_query(query, colours)
    # Query encodings run in the background while the query is read and the palettes are scored, and are kept
    # (encode_texts_async). CLIP's text tower is the slowest part of a new query: it starts first.
    encoder = clip_encoder() if "clip" in signals and query else None
    clip_vectors = encode_texts_async(encoder.embed_texts, [query]) if encoder is not None else None
    reading = read_query(query)
    parts = list(reading.parts)
    if colours:
        parts.insert(0, Part("colour", "picked colours", "picked colours"))
    state = search_state()  # one query: the knobs, and whether the cached index and knowledge are current
    knobs = state.knobs
    knowledge = _knowledge_cache.get_for(state.knowledge_version)
    status = {name: "unused" for name in SIGNALS}
    results = VibeResults(
        query=query,
        terms=[term.phrase for term in reading.terms] + (["picked colours"] if colours else []),
        meaning=reading.free_text,
        signal_status=status,
        reading=reading,
        parts=parts,
    )
    if not len(knowledge.film_ids):  # an empty catalogue: every signal that had something to do is off
        if any(part.terms or part.key == "picked colours" for part in parts) and "palette" in signals:
            status["palette"] = "off"
        if any(part.text for part in parts) and "text" in signals:
            status["text"] = "off"
        if query and "clip" in signals:
            status["clip"] = "off"
    if not parts or not len(knowledge.film_ids):
        return results
    F = len(knowledge.film_ids)  # noqa: N806

    text_on = "text" in signals and len(knowledge.text_rows) > 0
    wanted_texts = list(dict.fromkeys(part.text for part in parts if part.text)) if text_on else []
    # The descriptions of film words, settings, moods and light are a fixed vocabulary: encoded once per
    # process and encoder; only the member's own words are encoded per query.
    encoder_name = getattr(text_encoder(), "name", "") if wanted_texts else ""
    fixed = {part.text for part in parts if part.kind != "text"}
    to_encode = [t for t in wanted_texts if (encoder_name, t) not in _description_vectors or t not in fixed]
    text_vectors = encode_texts_async(text_encoder().embed, to_encode) if to_encode else None

    palette_film = np.zeros((F, 0), dtype=np.float32)
    per_term = None
    column_of: dict[str, int] = {}
    palette_parts = [part for part in parts if part.terms or part.key == "picked colours"]
    if "palette" in signals and palette_parts:
        index = index if index is not None else _index_cache.get_for(state.palette_version)
        status["palette"] = "on" if len(index) else "off"
        if len(index):
            terms = list(dict.fromkeys(term for part in palette_parts for term in part.terms))
            _, per_term = index.score(terms, picked=colours)
            palette_film = _palette_by_film(index, per_term, knowledge)
            offset = 1 if colours else 0
            if colours:
                column_of["picked colours"] = 0
            for i, term in enumerate(terms):
                column_of[term.phrase] = offset + i

    text_of: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if wanted_texts:
        status["text"] = "on"
        encoded = dict(zip(to_encode, text_vectors.result(), strict=True)) if to_encode else {}
        for text in wanted_texts:
            vector = encoded.get(text)
            if vector is None:
                vector = _description_vectors[(encoder_name, text)]
            elif text in fixed:
                _description_vectors[(encoder_name, text)] = vector
            text_of[text] = knowledge.text_scores(vector)

    if "text" in signals and not text_on and any(part.text for part in parts):
        status["text"] = "off"
    # Staff weights (VibeSettings) scale each kind of evidence: text also scales its spread over the people graph.
    staff = {
        "palette": knobs.palette_weight,
        "text": knobs.text_weight,
        "people": knobs.text_weight,
        "catalogue": 1.0,
        "title": 1.0,
        "genres": 1.0,
    }
    part_scores, evidence = [], []
    for part in parts:
        weights = {name: weight * staff[name] for name, weight in EVIDENCE_WEIGHTS[part.kind].items()}
        pieces: dict[str, np.ndarray] = {}
        columns = [column_of[t.phrase] for t in part.terms if t.phrase in column_of]
        if part.key == "picked colours" and "picked colours" in column_of:
            columns = [column_of["picked colours"]]
        if columns:
            pieces["palette"] = _normalise_top(palette_film[:, columns].mean(1), knobs.candidates)
        if part.text in text_of:
            text_score = _normalise_top(text_of[part.text][0], knobs.candidates)
            pieces["text"] = text_score
            if knowledge.graph is not None:
                seeds = np.where(
                    text_score >= np.partition(text_score, F - min(TEXT_SEEDS, F))[F - min(TEXT_SEEDS, F)],
                    text_score,
                    0,
                )
                pieces["people"] = _normalise_top(knowledge.graph @ seeds, knobs.candidates)
        named = knowledge.title_scores(_title_words(part))
        if named.any():  # evidence only where some title names it
            pieces["title"] = named
        if part.genres or part.years:
            fits = np.ones(F, dtype=np.float32)
            if part.genres:
                fits *= np.array([bool(g & set(part.genres)) for g in knowledge.genres], dtype=np.float32)
            if part.years:
                fits *= ((knowledge.years >= part.years[0]) & (knowledge.years <= part.years[1])).astype(np.float32)
            pieces["catalogue"] = fits
        used = {name: piece for name, piece in pieces.items() if weights.get(name, 0) > 0}
        if not used:
            continue
        total = sum(weights[name] for name in used)
        combined = sum(weights[name] * piece for name, piece in used.items()) / total
        feedback = FEEDBACK.get(part.kind, {})
        if feedback.get("genres", 0) > 0:
            # The genres over-represented among this part's best films (by all its evidence) lift their genre:
            # dark posters with grim plots are mostly thrillers' and horror's, so those films rise a little.
            prior = knowledge.genre_prior(combined, top=GENRE_PRIOR_TOP)
            used["genres"] = prior
            combined = (1 - feedback["genres"]) * combined + feedback["genres"] * prior
        part_scores.append(combined)
        evidence.append((part, used))
    # CLIP last: its text tower is the slowest encoding, and everything above ran while it encoded.
    clip_film = None
    if "clip" in signals and query:
        status["clip"] = "off" if encoder is None else "on"
        if encoder is not None:
            found = clip_candidates(
                clip_vectors.result()[0], encoder.name, k=knobs.candidates, ef_search=knobs.ef_search
            )
            if found:
                raw = {row_id: sim for row_id, (_, sim) in found.items()}
                film_of = {row_id: film_id for row_id, (film_id, _) in found.items()}
                per_film = _aggregate(
                    _top_normalised(raw, knobs.candidates),
                    film_of,
                    best_share=knobs.best_image_share,
                    top=knobs.top_images,
                )
                clip_film = np.zeros(F, dtype=np.float32)
                for film_id, score in per_film.items():
                    if film_id in knowledge.position:
                        clip_film[knowledge.position[film_id]] = score
            else:
                status["clip"] = "off"
    if clip_film is not None and knobs.clip_weight > 0:
        part_scores.append(clip_film)
    if not part_scores:
        return results
    fused = np.mean(part_scores, axis=0)
    matched = fused > 0
    fused = np.where(matched, fused + POPULARITY_WEIGHT * knowledge.popularity, 0.0)
    streaming_condition = streaming_filter(value=streaming, country=country, provider_ids=service_ids)
    if genre or decade is not None or streaming_condition is not None:
        allowed = allowed_films(genre=genre, decade=decade, streaming=streaming_condition) or set()
        fused[~np.isin(knowledge.film_ids, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))] = 0.0

    order = np.argsort(-fused, kind="stable")
    pool = [int(i) for i in order[: max(limit * 4, 100)] if fused[i] > 0]
    if match_taste and user is not None and user.is_authenticated and pool:
        taste = _taste_scores(user, [int(knowledge.film_ids[i]) for i in pool])
        if taste:
            normalised = _top_normalised({i: taste.get(int(knowledge.film_ids[i]), 0.0) for i in pool}, len(pool))
            rescored = {i: 0.7 * float(fused[i]) + 0.3 * normalised.get(i, 0.0) for i in pool}
            pool.sort(key=lambda i: -rescored[i])
            results.taste_applied = True
    ranked = pool[:limit]
    if not ranked:
        return results

    ids = [int(knowledge.film_ids[i]) for i in ranked]
    films = Film.objects.in_bulk(ids)
    best_row = _best_image_rows(index, per_term, knowledge, ranked) if per_term is not None else {}
    image_of = {i: int(index.row_ids[row]) for i, row in best_row.items()}
    posters = [films[f].poster_id for f in ids if f in films and films[f].poster_id]
    # The best-matching images and, for films without one, the posters: one query.
    shown = list(
        ImageAesthetics.objects.select_related("image")
        .defer(*_VECTORS)
        .filter(Q(pk__in=list(image_of.values())) | Q(image_id__in=posters))
    )
    images = {row.pk: row for row in shown}
    by_image = {row.image_id: row for row in shown}
    quotes = _review_quotes(ranked, evidence, knowledge, text_of)
    for i, film_id in zip(ranked, ids, strict=True):
        if film_id not in films:
            continue
        film = films[film_id]
        row = images.get(image_of.get(i)) or by_image.get(film.poster_id)
        reasons = _reasons(i, evidence, knowledge, text_of, row, quotes.get(film_id, ()))
        if clip_film is not None and clip_film[i] > 0 and (clip_film[i] >= STRONG_REASON or not reasons):
            kind = row.image.get_kind_display().lower() if row is not None else "image"
            likeness = "looks like" if clip_film[i] >= STRONG_REASON else "looks a little like"
            reasons.insert(0, f"{kind} {likeness} “{query}”")
        results.matches.append(
            FilmMatch(
                film=film,
                score=round(float(fused[i]), 4),
                signals=_signal_summary(i, evidence, clip_film),
                reasons=reasons,
                image=row,
            )
        )
    return results


def _signal_summary(i: int, evidence, clip_film: np.ndarray | None) -> dict[str, float]:
    """Per kind of evidence (palette, text, people, catalogue, clip), its mean over the parts that used it."""
    collected: dict[str, list[float]] = {}
    for _, used in evidence:
        for name, piece in used.items():
            collected.setdefault(name, []).append(float(piece[i]))
    if clip_film is not None:
        collected["clip"] = [float(clip_film[i])]
    return {name: round(float(np.mean(values)), 4) for name, values in collected.items()}


STRONG_REASON = 0.5  # evidence at least this strong (of the best match's) is a reason on its own


def _review_quotes(ranked: list[int], evidence, knowledge: FilmKnowledge, text_of) -> dict[int, list[str]]:
    """{film id: the words of the query's parts its public reviews use}, for the shown films whose text evidence
    came from their reviews: one query, none when no shown film matched on reviews."""
    film_ids, words = set(), set()
    for part, used in evidence:
        if "text" not in used or not part.spellings:
            continue
        _, source = text_of[part.text]
        for i in ranked:
            if source[i] >= 0 and knowledge.text_sources[source[i]] == "reviews" and used["text"][i] > 0:
                film_ids.add(int(knowledge.film_ids[i]))
                words.update(part.spellings)
    return review_words(film_ids=film_ids, words=words, within=REVIEW_TEXT_CHARS) if film_ids else {}


def _reasons(i: int, evidence, knowledge: FilmKnowledge, text_of, row, quoted: Iterable[str] = ()) -> list[str]:
    """Why film position i matched, in words, strongest evidence first; no raw scores.

    Every shown film has a reason: when none of its evidence is strong, the strongest is named as a weaker
    match, so a card never shows a film without saying why it is there."""
    # (strength, what, which part): one image or one neighbour that answers several parts is one reason naming
    # them all ("poster colours: pink and white on red (saturated colours; vivid colours)"), not one per part.
    reasons: list[tuple[float, str, str]] = []
    weak: list[tuple[float, str, str]] = []  # from evidence below STRONG_REASON
    kind = row.image.get_kind_display().lower() if row is not None else "poster"
    for part, used in evidence:
        label = part.label.strip("“”")
        for name, piece in used.items():
            strength = float(piece[i])
            if strength <= 0:
                continue
            before = len(reasons)
            if name == "palette" and row is not None:
                look = "colours" if kind == "poster" else "look"
                words = colour_words(row.palette)
                reasons.append(
                    (strength, f"{kind} {look}: {words}", part.label) if words else (strength, f"{kind}: {label}", "")
                )
            elif name == "text":
                _, source = text_of[part.text]
                where = knowledge.text_sources[source[i]] if source[i] >= 0 else "plot"
                where = "reviews" if where == "reviews" else ("tags" if where == "tags" else "plot")
                # Light is found in words by its description ("neon" in plots about nightclubs and the city at
                # night): the reason says what the words were about, not that a plot is about "neon colours".
                about = part.text if part.kind == "light" and part.text else label
                spelled = part.spellings if where == "reviews" else ()
                said = [word for word in quoted if word in spelled][:2]
                if said:  # the reviewers' own words: “dreamlike”, “hypnotic”
                    words = ", ".join(f"“{word}”" for word in said)
                    reasons.append((strength, f"reviews: {words}", "" if part.kind == "text" else part.label))
                else:
                    reasons.append((strength, f"{where}: about {about}", ""))
            elif name == "people" and knowledge.graph is not None:
                seeds = text_of[part.text][0]
                neighbours = knowledge.graph[i]
                if neighbours.nnz:
                    best = int(neighbours.indices[np.argmax(neighbours.data * seeds[neighbours.indices])])
                    reasons.append((strength * 0.9, f"loved by people who love {knowledge.titles[best]}", label))
            elif name == "genres" and knowledge.genres[i]:
                genres = ", ".join(sorted(knowledge.genres[i])[:2])
                reasons.append((strength * 0.5, f"{genres}, like the best matches", label))
            elif name == "title":
                named = "the colour" if part.kind == "colour" else "it"
                reasons.append((0.7, f"the title names {named}", part.label))
            elif name == "catalogue" and strength > 0:
                if part.kind == "period":
                    reasons.append((0.6, f"made in {part.label}", ""))
                else:
                    by = " and ".join(word for word, used in (("genre", part.genres), ("period", part.years)) if used)
                    reasons.append((0.6, f"{part.label}: by {by}", ""))
            if strength < STRONG_REASON:
                weak.extend(reasons[before:])
                del reasons[before:]
    if not reasons and weak:
        return [f"{_merged_reasons(weak)[0]} (a weaker match)"]
    return _merged_reasons(reasons)[:3]


def _merged_reasons(reasons: list[tuple[float, str, str]]) -> list[str]:
    """Strongest first; reasons saying the same thing for several parts merged, naming each part once."""
    strongest: dict[str, float] = {}
    parts: dict[str, list[str]] = {}
    for strength, what, part in reasons:
        strongest[what] = max(strength, strongest.get(what, 0.0))
        named = parts.setdefault(what, [])
        if part and part not in named:
            named.append(part)
    order = sorted(strongest, key=lambda what: -strongest[what])
    return [f"{what} ({'; '.join(parts[what])})" if parts[what] else what for what in order]


def more_like_image(*, row: ImageAesthetics, limit: int = 24) -> VibeResults:
    """Images nearest one image by palette (and CLIP when it has an embedding), aggregated to films."""
    knobs = VibeSettings.load()
    weights = {"palette": knobs.palette_weight, "clip": knobs.clip_weight}
    status = {"palette": "off", "clip": "off", "text": "unused"}
    found: dict[str, dict[int, tuple[int, float]]] = {}
    if row.palette_vector is not None:
        status["palette"] = "on"
        found["palette"] = palette_neighbours(
            row.palette_vector, k=knobs.candidates, ef_search=knobs.ef_search, exclude=row.pk
        )
    if row.clip_vector is not None and row.clip_model:
        status["clip"] = "on"
        found["clip"] = clip_candidates(
            np.asarray(row.clip_vector.to_list(), dtype=np.float32),
            row.clip_model,
            k=knobs.candidates,
            ef_search=knobs.ef_search,
            exclude=row.pk,
        )
    film_of = {image_id: film_id for hits in found.values() for image_id, (film_id, _) in hits.items()}
    combined: dict[int, float] = {}
    per_signal: dict[str, dict[int, float]] = {}
    for name, hits in found.items():
        per_signal[name] = {image_id: sim for image_id, (_, sim) in hits.items()}
        for image_id, score in _top_normalised(per_signal[name], knobs.candidates).items():
            combined[image_id] = combined.get(image_id, 0.0) + weights[name] * score
    # The source image's own film is left out: "more like this" is for finding other films.
    best: dict[int, int] = {}
    for image_id, score in combined.items():
        film_id = film_of[image_id]
        if film_id != row.film_id and (film_id not in best or score > combined[best[film_id]]):
            best[film_id] = image_id
    ranked = sorted(best.items(), key=lambda item: -combined[item[1]])[:limit]
    films = Film.objects.in_bulk([film_id for film_id, _ in ranked])
    images = (
        ImageAesthetics.objects.select_related("image").defer(*_VECTORS).in_bulk([image_id for _, image_id in ranked])
    )
    total = sum(weights[name] for name in found) or 1.0
    results = VibeResults(query=f"image {row.image_id}", terms=[], meaning="", signal_status=status)
    for film_id, image_id in ranked:
        image = images.get(image_id)
        reasons = []
        if "palette" in found and image_id in per_signal["palette"]:
            words = colour_words(image.palette) if image is not None else ""
            reasons.append(f"colours like this image{': ' + words if words else ''}")
        if "clip" in found and image_id in per_signal["clip"]:
            reasons.append("looks like this image")
        results.matches.append(
            FilmMatch(
                film=films[film_id],
                score=round(combined[image_id] / total, 4),
                signals={name: round(per_signal[name].get(image_id, 0.0), 4) for name in found},
                reasons=reasons,
                image=images.get(image_id),
            )
        )
    return results


def results_as_json(results: VibeResults, *, media_url: str = "") -> dict:
    return {
        "query": results.query,
        "terms": results.terms,
        "meaning": results.meaning,
        "signals": results.signal_status,
        "taste_applied": results.taste_applied,
        "results": [
            {
                "film_id": match.film.pk,
                "movielens_id": match.film.movielens_id,
                "title": match.film.title,
                "year": match.film.year,
                "score": match.score,
                "signals": match.signals,
                "reasons": match.reasons,
                "image": None
                if match.image is None
                else {
                    "id": match.image.image_id,
                    "kind": match.image.image.kind,
                    "url": f"{media_url}{match.image.image.file.name}" if match.image.image.file else None,
                    "palette": match.image.palette,
                },
            }
            for match in results.matches
        ],
    }
