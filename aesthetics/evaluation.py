"""Labelled queries with known answers, for `manage.py evaluate_vibe`.

Pixel signal: synthetic images whose dominant colour is known, queried with the matching colour words.
Text signal: a word-dropped paraphrase of the first sentence of a film's plot must retrieve that film.
Fused: "<colour word> <paraphrase>" over films given synthetic images of known colours.
"""

from __future__ import annotations

import re

import numpy as np

from . import palette as pal
from .models import FilmTextEmbedding
from .search import PaletteIndex, text_candidates, vibe_search

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


def synthetic_image(colours: list[str], rng: np.random.Generator, size: int = 48) -> np.ndarray:
    """Mostly the class colours (60-85%, jittered, as bands or a gradient), the rest a random accent."""
    pixels = np.empty((size, size, 3), dtype=np.float32)
    main_rows = int(size * rng.uniform(0.6, 0.85))
    bands = np.array_split(np.arange(main_rows), len(colours))
    for rows, colour in zip(bands, colours, strict=True):
        base = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float32)
        shade = np.linspace(-12, 12, len(rows))[:, None, None] if rng.random() < 0.5 else 0
        pixels[rows] = base + shade
    pixels[main_rows:] = rng.uniform(0, 255, 3)
    pixels += rng.normal(0, 6, pixels.shape)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def synthetic_index(labels: list[str], row_ids: list[int], film_ids: list[int], seed: int = 0) -> PaletteIndex:
    rng = np.random.default_rng(seed)
    palettes = [pal.analyse_pixels(synthetic_image(COLOUR_CLASSES[label], rng)) for label in labels]
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


def paraphrase(plot: str, rng: np.random.Generator) -> str:
    first = re.split(r"(?<=[.!?])\s", plot.strip(), maxsplit=1)[0]
    words = first.split()
    keep = [w for w in words if rng.random() > 0.3] if len(words) > 6 else words
    return " ".join(keep[:30])


def text_queries(count: int, seed: int = 0) -> list[tuple[int, str]]:
    rng = np.random.default_rng(seed)
    rows = list(
        FilmTextEmbedding.objects.filter(source=FilmTextEmbedding.Source.PLOT)
        .order_by("film_id")
        .values_list("film_id", "film__plot")
    )
    picked = rng.choice(len(rows), size=min(count, len(rows)), replace=False)
    return [(rows[i][0], paraphrase(rows[i][1], rng)) for i in sorted(picked)]


def _rank_metrics(ranks: list[int | None]) -> dict[str, float]:
    hits = [rank is not None and rank < 10 for rank in ranks]
    return {
        "hit@10": float(np.mean(hits)),
        "precision@10": float(np.mean(hits)) / 10,  # one relevant film per query
        "mrr": float(np.mean([1 / (rank + 1) if rank is not None else 0 for rank in ranks])),
        "queries": len(ranks),
    }


def evaluate_text(count: int = 100, seed: int = 0) -> dict[str, float]:
    ranks = []
    for film_id, query in text_queries(count, seed):
        found = text_candidates(query, k=10, ef_search=100)
        order = sorted(found, key=lambda f: -found[f][0])
        ranks.append(order.index(film_id) if film_id in order else None)
    return _rank_metrics(ranks)


def evaluate_fused(count: int = 100, seed: int = 0) -> dict[str, dict[str, float]]:
    """Each film gets a synthetic image of a random colour class; queries name the colour and paraphrase
    the plot. Palette alone cannot single the film out among same-coloured ones, text alone can be vague:
    fusion should beat both."""
    queries = text_queries(count, seed)
    rng = np.random.default_rng(seed + 1)
    simple = [label for label in COLOUR_CLASSES if " and " not in label]
    labels = [simple[int(rng.integers(len(simple)))] for _ in queries]
    film_ids = [film_id for film_id, _ in queries]
    index = synthetic_index(labels, list(range(len(queries))), film_ids, seed)
    out = {}
    for name, signals in {"palette": ("palette",), "text": ("text",), "fused": ("palette", "text")}.items():
        ranks = []
        for (film_id, query), label in zip(queries, labels, strict=True):
            results = vibe_search(query=f"{label} {query}", index=index, signals=signals, limit=10)
            order = [match.film.pk for match in results.matches]
            ranks.append(order.index(film_id) if film_id in order else None)
        out[name] = _rank_metrics(ranks)
    return out
