"""Labelled queries with known answers, for `manage.py evaluate_vibe`.

Pixel signal: synthetic images whose dominant colour is known, queried with the matching colour words.
Whole search: the labelled queries of ``judgements.py`` (colours, light, film words, settings, moods), each
with the films a film lover expects, searched as a member types them; precision@10, recall@50 and MRR per
query kind.
"""

from __future__ import annotations

import numpy as np

from catalog.models import Film
from cineaesthete.ml import text_encoder

from . import palette as pal
from .judgements import Judgement, resolve
from .query import CONCEPTS
from .search import PaletteIndex, film_knowledge, serving_model, vibe_search

# Query → colours the generated image is mostly made of.
COLOUR_CLASSES = {
    "red": ["#d01414"],
    "orange": ["#f28c28"],
    "yellow": ["#f2d024"],
    "green": ["#2f9e44"],
    "blue": ["#1f4fd1"],
    "purple": ["#6a2c91"],
    "pastel pink": ["#f8c8dc"],
    "black and white": ["#101010", "#f0f0f0"],
    "teal and orange": ["#127475", "#f28c28"],
    "dark": ["#0c0c14"],
}
# Classes whose images carry no colour at all: their accent is a grey and their noise is in lightness only (a
# black-and-white photograph has no red corner).
GREY_CLASSES = {"black and white"}


def synthetic_image(colours: list[str], rng: np.random.Generator, size: int = 48, *, grey: bool = False) -> np.ndarray:
    """Mostly the class colours (60-85%, jittered, as bands or a gradient), the rest a random accent (a random
    grey, and noise in lightness only, for ``grey``)."""
    pixels = np.empty((size, size, 3), dtype=np.float32)
    main_rows = int(size * rng.uniform(0.6, 0.85))
    bands = np.array_split(np.arange(main_rows), len(colours))
    for rows, colour in zip(bands, colours, strict=True):
        base = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float32)
        shade = np.linspace(-12, 12, len(rows))[:, None, None] if rng.random() < 0.5 else 0
        pixels[rows] = base + shade
    pixels[main_rows:] = rng.uniform(0, 255, 1 if grey else 3)
    pixels += rng.normal(0, 6, pixels.shape[:2] + ((1,) if grey else (3,)))
    return np.clip(pixels, 0, 255).astype(np.uint8)


def synthetic_index(labels: list[str], row_ids: list[int], film_ids: list[int], seed: int = 0) -> PaletteIndex:
    rng = np.random.default_rng(seed)
    palettes = [
        pal.analyse_pixels(synthetic_image(COLOUR_CLASSES[label], rng, grey=label in GREY_CLASSES)) for label in labels
    ]
    return PaletteIndex.from_palettes(row_ids, film_ids, palettes)


def evaluate_palette(per_class: int = 20, seed: int = 0) -> dict[str, float]:
    labels = [label for label in COLOUR_CLASSES for _ in range(per_class)]
    index = synthetic_index(labels, list(range(len(labels))), list(range(len(labels))), seed)
    precision = {}
    for query in COLOUR_CLASSES:
        scores, _ = index.score(pal.parse_query(query).terms)
        top = np.argsort(-scores, kind="stable")[:10]
        precision[query] = float(np.mean([labels[i] == query for i in top]))
    return precision


def rank_metrics(ranked: list[int], relevant: frozenset[int] | set[int]) -> dict[str, float]:
    """precision@10, recall@50 and reciprocal rank of one ranked list of film ids against the relevant set."""
    if not relevant:
        return {"precision@10": 0.0, "recall@50": 0.0, "mrr": 0.0}
    first = next((rank for rank, film_id in enumerate(ranked) if film_id in relevant), None)
    return {
        "precision@10": sum(film_id in relevant for film_id in ranked[:10]) / 10,
        "recall@50": len(relevant.intersection(ranked[:50])) / len(relevant),
        "mrr": 0.0 if first is None else 1 / (first + 1),
    }


HALVES = ("validation", "test")


def split_half(judgements: list[Judgement], half: str) -> list[Judgement]:
    """Every other query of each kind: "validation" (the 1st, 3rd, ...) is what fusion is tuned on, "test"
    (the 2nd, 4th, ...) is only reported, so a change that merely fits the labelled set shows up as a gap."""
    if half not in HALVES:
        raise ValueError(f"half must be one of {HALVES}")
    seen: dict[str, int] = {}
    out = []
    for judgement in judgements:
        position = seen.get(judgement.kind, 0)
        seen[judgement.kind] = position + 1
        if (position % 2 == 0) == (half == "validation"):
            out.append(judgement)
    return out


def evaluate_judgements(
    judgements: list[Judgement] | None = None, *, signals: tuple[str, ...] | None = None, half: str | None = None
) -> dict[str, dict]:
    """Each labelled query searched as a member would type it; metrics per query and mean per query kind.

    ``half``: only the "validation" or the "test" half of the queries (``split_half``).
    """
    if judgements is None:
        judgements = resolve(list(Film.objects.values_list("id", "title", "year")))
    if half is not None:
        judgements = split_half(judgements, half)
    per_query: dict[str, dict] = {}
    for judgement in judgements:
        if not judgement.relevant:
            continue
        options = {"signals": signals} if signals else {}
        results = vibe_search(query=judgement.query, limit=50, **options)
        ranked = [match.film.pk for match in results.matches]
        per_query[judgement.query] = {
            "kind": judgement.kind,
            "relevant": len(judgement.relevant),
            **rank_metrics(ranked, judgement.relevant),
        }
    per_kind: dict[str, dict[str, float]] = {}
    for kind in dict.fromkeys(row["kind"] for row in per_query.values()):
        rows = [row for row in per_query.values() if row["kind"] == kind]
        per_kind[kind] = {
            metric: round(float(np.mean([row[metric] for row in rows])), 3)
            for metric in ("precision@10", "recall@50", "mrr")
        } | {"queries": len(rows)}
    overall = {
        metric: round(float(np.mean([row[metric] for row in per_query.values()])), 3) if per_query else 0.0
        for metric in ("precision@10", "recall@50", "mrr")
    }
    return {"per_kind": per_kind, "overall": overall, "per_query": per_query}


def evaluate_propagation(*, hidden_share: float = 0.3, neighbours: int = 10, seed: int = 0) -> dict[str, float]:
    """Can a film's descriptors be predicted when its reviews are hidden? An honest test of spreading
    review evidence over the people graph.

    The truth for a held-out film is how close its reviews' embedding is to each mood and film-word
    description (query.CONCEPTS). Predicted from its plot alone, from the reviews of the films loved by the
    same people (the active recommender's item factors, over the films whose reviews stay visible), and from
    both; scored by Spearman correlation per descriptor over the held-out films, averaged.
    """
    from scipy.stats import spearmanr  # scipy is already a dependency; imported here as it is only for this report

    knowledge = film_knowledge()
    serving = serving_model()
    reviews = {
        int(knowledge.text_rows[i]): knowledge.text_vectors[i]
        for i, source in enumerate(knowledge.text_sources)
        if source == "reviews"
    }
    plots = {
        int(knowledge.text_rows[i]): knowledge.text_vectors[i]
        for i, source in enumerate(knowledge.text_sources)
        if source == "plot"
    }
    if serving is None or len(reviews) < 20:
        return {}
    film_rows = serving.recommender.index_of(knowledge.film_ids)
    usable = [p for p in reviews if p in plots and film_rows[p] >= 0]
    rng = np.random.default_rng(seed)
    rng.shuffle(usable)
    hidden = usable[: int(len(usable) * hidden_share)]
    visible = usable[len(hidden) :]
    descriptions = list(dict.fromkeys(c.text for c in CONCEPTS.values() if c.kind in ("mood", "film") and c.text))
    descriptors = text_encoder().embed(descriptions)
    truth = np.stack([reviews[p] for p in hidden]) @ descriptors.T  # (hidden, descriptors)
    from_plot = np.stack([plots[p] for p in hidden]) @ descriptors.T
    visible_scores = np.stack([reviews[p] for p in visible]) @ descriptors.T
    similarity = serving.unit_factors[film_rows[hidden]] @ serving.unit_factors[film_rows[visible]].T
    top = np.argsort(-similarity, axis=1)[:, :neighbours]
    weights = np.maximum(np.take_along_axis(similarity, top, axis=1), 0) + 1e-6
    from_people = np.einsum("hk,hkd->hd", weights / weights.sum(1, keepdims=True), visible_scores[top])

    def z(scores: np.ndarray) -> np.ndarray:
        return (scores - scores.mean(0)) / (scores.std(0) + 1e-9)

    out = {}
    for name, prediction in {
        "plot": from_plot,
        "people": from_people,
        "plot+people": z(from_plot) + z(from_people),
    }.items():
        out[name] = round(
            float(np.mean([spearmanr(truth[:, d], prediction[:, d]).statistic for d in range(truth.shape[1])])), 3
        )
    out["held_out_films"] = len(hidden)
    out["descriptors"] = len(descriptions)
    return out
