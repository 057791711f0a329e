"""Vibe search: query understanding, one score per signal, normalisation, fusion, images → films.

Signals:
  palette  colour words and measures (palette.py) or picked colours, scored over every analysed image in
           memory (PaletteIndex: exact up to 20k images, two passes above; ~35 ms at 100k)
  clip     CLIP text→image cosine through the HNSW index on ImageAesthetics.clip_vector (off when no
           checkpoint is configured: reported as off, never approximated)
  text     MiniLM query→plot/tags/reviews cosine through the HNSW index on FilmTextEmbedding

The query is encoded by CLIP and MiniLM on background threads while palettes are scored. Each signal keeps
its top `candidates` (images for palette and CLIP, texts for MiniLM) and is min-max normalised over them. Image signals
are aggregated per film (best image and the mean of the top few); the film score is the weighted mean of
the active signals with the staff-tuned weights in VibeSettings.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, Max
from pgvector import HalfVector
from pgvector.django import CosineDistance

from catalog.models import Film

from . import palette as pal
from .encoders import clip_encoder, encode_query_async, text_encoder
from .models import FilmTextEmbedding, ImageAesthetics, VibeSettings

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


# --- palette index ------------------------------------------------------------------------------------
class PaletteIndex:
    """Every analysed image's palette and measures as arrays, for vectorised scoring.

    Up to EXACT_UP_TO images every score is exact. Past that, a first pass scores all images with the anchor
    approximation (one sparse matrix product per query, ``palette.approximate_coverage``) and only the best
    PREFILTER_SHARE get the exact score; the others score 0, which only ever drops images far below the
    candidates a search keeps (recall of the exact top 300 at 100k images: ``bench/bench_vibe.py``).
    """

    EXACT_UP_TO = 20_000
    PREFILTER_SHARE = 0.05
    PREFILTER_MIN = 2_000

    def __init__(self, image_ids, film_ids, colours, shares, measures, kinds=None) -> None:
        self.row_ids = np.asarray(image_ids, dtype=np.int64)  # ImageAesthetics ids
        self.film_ids = np.asarray(film_ids, dtype=np.int64)
        self.colours, self.shares, self.measures = colours, shares, measures
        self._mass = None  # scipy.sparse (n, anchors), built on first need

    def __len__(self) -> int:
        return len(self.row_ids)

    @classmethod
    def from_palettes(cls, row_ids, film_ids, palettes: list[pal.Palette]) -> PaletteIndex:
        colours, shares, measures = pal.stack_palettes(palettes)
        return cls(row_ids, film_ids, colours, shares, measures)

    @classmethod
    def from_db(cls) -> PaletteIndex:
        rows = ImageAesthetics.objects.filter(status=ImageAesthetics.Status.DONE).values_list(
            "id", "film_id", "palette", *pal.MEASURES
        )
        row_ids, film_ids, palettes = [], [], []
        for row_id, film_id, colours, *measures in rows.iterator(chunk_size=5000):
            row_ids.append(row_id)
            film_ids.append(film_id)
            palettes.append(pal.Palette.from_json(colours, dict(zip(pal.MEASURES, measures, strict=True))))
        index = cls.from_palettes(row_ids, film_ids, palettes)
        if len(index) > cls.EXACT_UP_TO:
            index.anchor_mass()  # built once with the index, not on the first query
        return index

    def anchor_mass(self):
        if self._mass is None:
            self._mass = pal.anchor_mass(self.colours, self.shares)
        return self._mass

    def _columns(self, terms, picked: list[str], rows, *, approximate: bool) -> np.ndarray:
        """(len(rows), columns) matches: the picked colours first (when any), then one column per term."""
        colours, shares, measures = self.colours[rows], self.shares[rows], self.measures[rows]
        coverage = None
        if approximate:
            # Every target colour of the query in one product: the (n, anchors) mass is read once, not per term.
            wanted = [pal.hex_labs(picked)] if picked else []
            wanted += [pal.term_labs(term) for term in terms if term.colours]
            if wanted:
                every = np.concatenate(wanted)
                columns_of = pal.approximate_coverage(self.anchor_mass()[rows], every)
                offsets, start = {}, 0
                for labs in wanted:
                    offsets[labs.tobytes()] = slice(start, start + len(labs))
                    start += len(labs)
                coverage = lambda _colours, _shares, targets: columns_of[:, offsets[targets.tobytes()]]  # noqa: E731
        columns = [pal.score_colours(picked, colours, shares, coverage=coverage)] if picked else []
        columns += [pal.score_term(term, colours, shares, measures, coverage=coverage) for term in terms]
        return np.stack(columns, axis=1)

    def score(self, terms, picked: list[str] | None = None, allowed: np.ndarray | None = None):
        """(n,) mean match over the picked colours and the terms, and (n, columns) per-column matches.

        ``allowed`` (bool per image) restricts the search (genre, decade) before the exact pass is chosen.
        """
        picked = list(picked or [])
        everything = slice(None)
        if len(self) <= self.EXACT_UP_TO:
            per = self._columns(terms, picked, everything, approximate=False)
            if allowed is not None:
                per[~allowed] = 0.0
            return per.mean(1), per
        first = self._columns(terms, picked, everything, approximate=True).mean(1)
        if allowed is not None:
            first[~allowed] = -1.0
        keep = min(len(self), max(self.PREFILTER_MIN, int(self.PREFILTER_SHARE * len(self))))
        rows = np.sort(np.argpartition(-first, keep - 1)[:keep])
        if allowed is not None:
            rows = rows[allowed[rows]]
        per = np.zeros((len(self), int(bool(picked)) + len(terms)), dtype=np.float32)
        if len(rows):
            per[rows] = self._columns(terms, picked, rows, approximate=False)
        return per.mean(1), per


_index_lock = threading.Lock()
_index_cache: dict[str, tuple[tuple, PaletteIndex, float]] = {}


INDEX_RECHECK_SECONDS = 30.0


def palette_index() -> PaletteIndex:
    """The cached index of this process, rebuilt when images were analysed or removed.

    Whether anything changed is asked of the database at most every INDEX_RECHECK_SECONDS (the aggregate scans
    every analysed image: ~100 ms at 100k), so a newly analysed image reaches searches within that time.
    """
    now = time.monotonic()
    with _index_lock:
        cached = _index_cache.get("default")
        if cached and cached[0][0] == connection.settings_dict["NAME"] and now - cached[2] < INDEX_RECHECK_SECONDS:
            return cached[1]
    version = tuple(
        ImageAesthetics.objects.filter(status=ImageAesthetics.Status.DONE)
        .aggregate(n=Count("id"), latest=Max("updated_at"), top=Max("id"))
        .values()
    )
    version = (connection.settings_dict["NAME"], *version)
    with _index_lock:
        cached = _index_cache.get("default")
        if cached and cached[0] == version:
            _index_cache["default"] = (version, cached[1], now)
            return cached[1]
    index = PaletteIndex.from_db()
    with _index_lock:
        _index_cache["default"] = (version, index, now)
    return index


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
        cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(int(ef_search))])
        # Filters (genre, decade, one checkpoint) are applied while scanning, not after: pgvector 0.8.
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")


def allowed_films(*, genre: str | None = None, decade: int | None = None) -> set[int] | None:
    if not genre and decade is None:
        return None
    films = Film.objects.all()
    if genre:
        films = films.filter(genres__slug=genre)
    if decade is not None:
        films = films.filter(year__gte=decade, year__lt=decade + 10)
    return set(films.values_list("id", flat=True))


# --- signals ----------------------------------------------------------------------------------------------
def clip_candidates(vector: np.ndarray, model_name: str, *, k: int, ef_search: int, film_ids=None, exclude=None):
    """{ImageAesthetics id: (film id, cosine similarity)} of the k nearest CLIP image vectors."""
    rows = ImageAesthetics.objects.filter(clip_model=model_name)
    if film_ids is not None:
        rows = rows.filter(film_id__in=film_ids)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    with transaction.atomic():
        _hnsw(ef_search)
        found = list(
            rows.annotate(distance=CosineDistance("clip_vector", HalfVector(vector.tolist())))
            .order_by("distance")
            .values_list("id", "film_id", "distance")[:k]
        )
    return {row_id: (film_id, 1 - distance) for row_id, film_id, distance in found}


def palette_neighbours(vector, *, k: int, ef_search: int, film_ids=None, exclude=None):
    rows = ImageAesthetics.objects.filter(status=ImageAesthetics.Status.DONE)
    if film_ids is not None:
        rows = rows.filter(film_id__in=film_ids)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    with transaction.atomic():
        _hnsw(ef_search)
        found = list(
            rows.annotate(distance=CosineDistance("palette_vector", list(map(float, vector))))
            .order_by("distance")
            .values_list("id", "film_id", "distance")[:k]
        )
    return {row_id: (film_id, 1 - distance) for row_id, film_id, distance in found}


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


def _taste_scores(user, film_ids: list[int]) -> dict[int, float] | None:
    """The member's recommendation scores, when the recommendations app offers them."""
    try:
        from recommendations.selectors import member_film_scores  # type: ignore[attr-defined]
    except ImportError:
        return None
    try:
        return member_film_scores(user=user, film_ids=film_ids) or None
    except Exception:  # a missing model must not break search; the toggle then simply does nothing
        return None


# --- search -------------------------------------------------------------------------------------------------
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
) -> VibeResults:
    """Films matching a described look/feeling and/or picked colours, best first, with reasons."""
    colours = list(colours or [])
    query = validate_query(query, colours)
    parsed = pal.parse_query(query)
    knobs = VibeSettings.load()
    film_filter = allowed_films(genre=genre, decade=decade)
    weights = {"palette": knobs.palette_weight, "clip": knobs.clip_weight, "text": knobs.text_weight}
    status = {name: "unused" for name in SIGNALS}
    image_signal: dict[str, dict[int, float]] = {}
    film_of: dict[int, int] = {}
    palette_reason: dict[int, str] = {}
    raw: dict[str, dict[int, float]] = {}

    # Both query encodings run in the background while the palettes are scored (encode_query_async).
    encoder = clip_encoder() if "clip" in signals and query else None
    clip_vector = encode_query_async(lambda: encoder.embed_texts([query])[0]) if encoder is not None else None
    text_on = "text" in signals and bool(parsed.meaning) and FilmTextEmbedding.objects.exists()
    text_vector = encode_query_async(lambda: text_encoder().embed([parsed.meaning])[0]) if text_on else None

    if "palette" in signals and (parsed.terms or colours):
        index = index if index is not None else palette_index()
        status["palette"] = "on" if len(index) else "off"
        if len(index):
            allowed = None if film_filter is None else np.isin(index.film_ids, list(film_filter))
            scores, per_term = index.score(parsed.terms, picked=colours, allowed=allowed)
            labels = (["picked colours"] if colours else []) + [t.phrase for t in parsed.terms]
            k = min(knobs.candidates, len(scores))
            top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
            top = top[scores[top] > 0]
            chosen = {int(index.row_ids[i]): float(scores[i]) for i in top}
            best_terms = per_term[top].argmax(1)
            for i, best_term in zip(top.tolist(), best_terms.tolist(), strict=True):
                row_id = int(index.row_ids[i])
                film_of[row_id] = int(index.film_ids[i])
                palette_reason[row_id] = f"{labels[best_term]} {per_term[i, best_term]:.2f}"
            image_signal["palette"] = _top_normalised(chosen, knobs.candidates)
            raw["palette"] = chosen

    if "clip" in signals and query:
        status["clip"] = "off" if encoder is None else "on"
        if encoder is not None:
            found = clip_candidates(
                clip_vector.result(), encoder.name, k=knobs.candidates, ef_search=knobs.ef_search, film_ids=film_filter
            )
            if not found:
                status["clip"] = "off"
            for row_id, (film_id, _) in found.items():
                film_of[row_id] = film_id
            raw["clip"] = {row_id: sim for row_id, (_, sim) in found.items()}
            image_signal["clip"] = _top_normalised(raw["clip"], knobs.candidates)

    text_found: dict[int, tuple[float, str]] = {}
    if "text" in signals and parsed.meaning:
        status["text"] = "on" if text_on else "off"
        if text_on:
            text_found = text_candidates(
                parsed.meaning,
                k=knobs.candidates,
                ef_search=knobs.ef_search,
                film_ids=film_filter,
                vector=text_vector.result(),
            )

    film_signal: dict[str, dict[int, float]] = {}
    for name, scores in image_signal.items():
        film_signal[name] = _aggregate(scores, film_of, best_share=knobs.best_image_share, top=knobs.top_images)
    if text_found:
        film_signal["text"] = _top_normalised({f: s for f, (s, _) in text_found.items()}, knobs.candidates)

    active = [name for name in film_signal if weights[name] > 0]
    total_weight = sum(weights[name] for name in active) or 1.0
    fused: dict[int, float] = {}
    for name in active:
        for film_id, score in film_signal[name].items():
            fused[film_id] = fused.get(film_id, 0.0) + weights[name] * score / total_weight

    taste_applied = False
    if match_taste and user is not None and user.is_authenticated and fused:
        pool = sorted(fused, key=fused.get, reverse=True)[: max(limit * 4, 100)]
        taste = _taste_scores(user, pool)
        if taste:
            normalised = _top_normalised({f: taste.get(f, 0.0) for f in pool}, len(pool))
            fused = {f: 0.7 * fused[f] + 0.3 * normalised.get(f, 0.0) for f in pool}
            taste_applied = True

    ranked = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:limit]
    results = VibeResults(
        query=query,
        terms=[t.phrase for t in parsed.terms] + (["picked colours"] if colours else []),
        meaning=parsed.meaning,
        signal_status=status,
        taste_applied=taste_applied,
    )
    if not ranked:
        return results

    # The matched image of a film: its best image on the image signals combined.
    image_weight = {name: weights[name] for name in image_signal if weights[name] > 0}
    combined: dict[int, float] = {}
    for name, scores in image_signal.items():
        for row_id, score in scores.items():
            combined[row_id] = combined.get(row_id, 0.0) + image_weight.get(name, 0.0) * score
    wanted = {film_id for film_id, _ in ranked}
    best_image: dict[int, int] = {}
    for row_id, score in combined.items():
        film_id = film_of[row_id]
        if film_id in wanted and (film_id not in best_image or score > combined[best_image[film_id]]):
            best_image[film_id] = row_id

    films = Film.objects.in_bulk([film_id for film_id, _ in ranked])
    images = ImageAesthetics.objects.select_related("image").in_bulk(list(best_image.values()))
    # Films matched on text alone show their card poster's palette when it has one.
    missing = [films[f].poster_id for f, _ in ranked if f not in best_image and f in films and films[f].poster_id]
    by_image = {
        row.image_id: row for row in ImageAesthetics.objects.select_related("image").filter(image_id__in=missing)
    }
    for film_id, score in ranked:
        if film_id not in films:
            continue
        row = images.get(best_image.get(film_id)) or by_image.get(films[film_id].poster_id)
        kind = row.image.get_kind_display().lower() if row else "image"
        reasons = []
        signals_out = {name: round(film_signal[name].get(film_id, 0.0), 4) for name in active}
        if film_id in best_image and best_image[film_id] in palette_reason:
            reasons.append(f"{kind} palette: {palette_reason[best_image[film_id]]}")
        if row is not None and row.pk in raw.get("clip", {}):
            reasons.append(f"{kind} looks like “{query}”: {raw['clip'][row.pk]:.2f}")
        if film_id in text_found:
            similarity, source = text_found[film_id]
            reasons.append(f"{source}: {parsed.meaning} {similarity:.2f}")
        results.matches.append(
            FilmMatch(film=films[film_id], score=round(score, 4), signals=signals_out, reasons=reasons, image=row)
        )
    return results


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
    images = ImageAesthetics.objects.select_related("image").in_bulk([image_id for _, image_id in ranked])
    total = sum(weights[name] for name in found) or 1.0
    results = VibeResults(query=f"image {row.image_id}", terms=[], meaning="", signal_status=status)
    for film_id, image_id in ranked:
        reasons = [
            f"{name} like this image: {per_signal[name][image_id]:.2f}"
            for name in found
            if image_id in per_signal[name]
        ]
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
