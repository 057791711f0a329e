"""Vibe search speed: palettes, indexing, CLIP throughput, HNSW recall and query latency.

    python bench/bench_vibe.py [--vectors 100000] [--skip-clip] [--skip-hnsw]

Prints numbers; asserts nothing. The 100k-vector part uses a throwaway table (bench_vibe_vectors) in the
dev database, dropped at the end.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cineaesthete.settings")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402


def p95(samples: list[float]) -> float:
    return float(np.percentile(samples, 95))


def bench_palettes(files: list[str]) -> float:
    from aesthetics.palette import analyse_image, palette_vector

    start = time.perf_counter()
    for path in files:
        palette = analyse_image(path)
        palette_vector(palette.colours, palette.shares)
    elapsed = time.perf_counter() - start
    print(f"palette+measures: {len(files)} posters in {elapsed:.1f}s = {len(files) / elapsed:.0f} images/s")
    return elapsed


def bench_minilm(sample: int = 384) -> float:
    from aesthetics.encoders import text_encoder
    from catalog.models import Film

    plots = list(Film.objects.exclude(plot="").values_list("plot", flat=True)[:sample])
    total = Film.objects.exclude(plot="").count()
    encoder = text_encoder()
    encoder.embed(plots[:16])
    start = time.perf_counter()
    encoder.embed(plots)
    elapsed = time.perf_counter() - start
    rate = len(plots) / elapsed
    print(
        f"MiniLM plots: {rate:.0f} texts/s (threads {torch.get_num_threads()}); all {total} plots ≈ {total / rate:.0f}s"
    )
    return total / rate


def bench_clip(batch_sizes=(1, 16, 32), rounds: int = 2) -> None:
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    model = CLIPVisionModelWithProjection(CLIPVisionConfig(projection_dim=512)).eval()  # ViT-B/32 sizes
    print(f"CLIP ViT-B/32 (random weights), torch threads {torch.get_num_threads()}:")
    for dtype in (torch.float32, torch.bfloat16):
        current = model.to(dtype)
        for batch in batch_sizes:
            pixels = torch.randn(batch, 3, 224, 224, dtype=dtype)
            with torch.inference_mode():
                current(pixel_values=pixels)
                start = time.perf_counter()
                for _ in range(rounds):
                    current(pixel_values=pixels)
            rate = batch * rounds / (time.perf_counter() - start)
            print(f"  {str(dtype).removeprefix('torch.'):8s} batch {batch:3d}: {rate:6.1f} images/s")


def bench_hnsw(n: int, dim: int = 512, queries: int = 100) -> dict:
    rng = np.random.default_rng(0)
    # Clustered like real embeddings (films' images resemble each other), not uniform noise.
    centres = rng.normal(size=(2000, dim)).astype(np.float32)
    vectors = centres[rng.integers(0, 2000, n)] + 0.6 * rng.normal(size=(n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    query_vectors = centres[rng.integers(0, 2000, queries)] + 0.6 * rng.normal(size=(queries, dim))
    query_vectors /= np.linalg.norm(query_vectors, axis=1, keepdims=True)
    from pgvector import HalfVector

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_vibe_vectors")
        cursor.execute(f"CREATE TABLE bench_vibe_vectors (id int PRIMARY KEY, film_id int, v halfvec({dim}))")
        start = time.perf_counter()
        with cursor.cursor.copy("COPY bench_vibe_vectors (id, film_id, v) FROM STDIN") as copy:
            for i, vector in enumerate(vectors):
                copy.write_row((i, i % 3883, HalfVector(vector).to_text()))
        print(f"HNSW: {n} x {dim}-d halfvec loaded in {time.perf_counter() - start:.1f}s")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        start = time.perf_counter()
        cursor.execute(
            "CREATE INDEX bench_vibe_hnsw ON bench_vibe_vectors USING hnsw (v halfvec_cosine_ops) "
            "WITH (m = 16, ef_construction = 64)"
        )
        print(f"HNSW: index built in {time.perf_counter() - start:.1f}s (m=16, ef_construction=64)")
        exact = []
        for query in query_vectors:
            scores = vectors @ query.astype(np.float32)
            exact.append(set(np.argsort(-scores)[:10].tolist()))
        results = {}
        for ef in (40, 100, 200):
            cursor.execute(f"SET hnsw.ef_search = {ef}")
            latencies, recall = [], []
            for query, truth in zip(query_vectors, exact, strict=True):
                start = time.perf_counter()
                cursor.execute(
                    "SELECT id FROM bench_vibe_vectors ORDER BY v <=> %s::halfvec LIMIT 10",
                    [HalfVector(query).to_text()],
                )
                found = {row[0] for row in cursor.fetchall()}
                latencies.append(time.perf_counter() - start)
                recall.append(len(found & truth) / 10)
            results[ef] = (float(np.mean(recall)), p95(latencies) * 1000)
            print(f"HNSW ef_search={ef:3d}: recall@10 {results[ef][0]:.3f}, query p95 {results[ef][1]:.1f} ms")
        cursor.execute("DROP TABLE bench_vibe_vectors")
    return results


def bench_palette_index(n: int) -> float:
    from aesthetics import palette as pal
    from aesthetics.search import PaletteIndex

    rng = np.random.default_rng(0)
    colours = np.stack([rng.uniform(0, 100, (n, 5)), rng.uniform(-60, 60, (n, 5)), rng.uniform(-60, 60, (n, 5))], -1)
    shares = rng.dirichlet(np.ones(5), n).astype(np.float32)
    index = PaletteIndex(np.arange(n), np.arange(n) % 3883, colours.astype(np.float32), shares, rng.random((n, 6)))
    terms = pal.parse_query("pastel pink and purple, dark").terms
    samples = []
    for _ in range(20):
        start = time.perf_counter()
        index.score_terms(terms)
        samples.append(time.perf_counter() - start)
    print(f"palette scoring of {n} images in memory (3 terms): p95 {p95(samples) * 1000:.1f} ms")
    return p95(samples)


def bench_end_to_end(queries: list[str], rounds: int = 3) -> float:
    from aesthetics.search import vibe_search

    vibe_search(query=queries[0])  # warm the caches and the encoder
    samples = []
    for _ in range(rounds):
        for query in queries:
            start = time.perf_counter()
            vibe_search(query=query)
            samples.append(time.perf_counter() - start)
    print(
        f"vibe_search end to end on the dev DB ({len(samples)} queries, palette+text, CLIP off): "
        f"p50 {np.median(samples) * 1000:.0f} ms, p95 {p95(samples) * 1000:.0f} ms"
    )
    return p95(samples)


def bench_clip_text(rounds: int = 20) -> float:
    from transformers import CLIPTextConfig, CLIPTextModelWithProjection

    model = CLIPTextModelWithProjection(CLIPTextConfig(projection_dim=512)).eval()
    ids = torch.randint(0, 49000, (1, 12))
    samples = []
    with torch.inference_mode():
        model(input_ids=ids)
        for _ in range(rounds):
            start = time.perf_counter()
            model(input_ids=ids)
            samples.append(time.perf_counter() - start)
    print(f"CLIP ViT-B/32 text tower, one query: p95 {p95(samples) * 1000:.1f} ms")
    return p95(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--posters", type=int, default=0, help="How many mirror posters (0 = all).")
    parser.add_argument("--skip-clip", action="store_true")
    parser.add_argument("--skip-hnsw", action="store_true")
    args = parser.parse_args()
    if settings.ML_THREADS:
        torch.set_num_threads(settings.ML_THREADS)
    print(f"CPU cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    files = sorted(glob.glob(str(settings.DATA_MIRROR / "ml-1m-posters" / "*.jpg")))
    files = files[: args.posters] if args.posters else files
    palette_seconds = bench_palettes(files)
    text_seconds = bench_minilm()
    print(f"index all posters + plots ≈ {palette_seconds + text_seconds:.0f}s (target < 300s)")
    e2e = bench_end_to_end(
        [
            "rain with neon reflections",
            "pastel pink and purple palette",
            "cold blue isolated atmosphere",
            "harsh black and white contrast",
            "lonely city at night",
        ]
    )
    scoring = bench_palette_index(args.vectors)
    if not args.skip_clip:
        bench_clip()
        clip_text = bench_clip_text()
    else:
        clip_text = 0.0
    if not args.skip_hnsw:
        hnsw = bench_hnsw(args.vectors)
        print(
            f"estimated p95 with CLIP on and {args.vectors} image vectors ≈ measured p95 {e2e * 1000:.0f} ms "
            f"+ CLIP text {clip_text * 1000:.0f} ms + HNSW {hnsw[100][1]:.0f} ms "
            f"+ palette scoring at that size {scoring * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
