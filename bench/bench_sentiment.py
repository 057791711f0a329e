"""Sentiment speed: one 500-word review with the default analyser, a 25,000-review batch, the per-review work of
the backfill (sentences, lexicon aspects, emotions; no database), and training time.

    python bench/bench_sentiment.py [--samples 200] [--batch 25000] [--skip-train] [--minilm]

Reads DATA_MIRROR/imdb-reviews/train.jsonl.gz. Prints numbers; asserts nothing. Training writes to a temporary
file, never over the project's artifact.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cineaesthete.settings")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def five_hundred_word_reviews(texts: list[str], count: int) -> list[str]:
    """Real reviews glued together and cut at exactly 500 words."""
    out, pool = [], iter(texts)
    while len(out) < count:
        tokens: list[str] = []
        while len(tokens) < 500:
            tokens.extend(next(pool).split())
        out.append(" ".join(tokens[:500]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--batch", type=int, default=25_000)
    parser.add_argument("--pipeline-reviews", type=int, default=2_000)
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--minilm", action="store_true", help="also time MiniLM aspect matching")
    options = parser.parse_args()

    import django

    django.setup()
    from reviews.sentiment import aspects, emotions, evaluation
    from reviews.sentiment.analysers import default_analyser
    from reviews.sentiment.data import default_training_file, read_labelled
    from reviews.sentiment.services import clause_scorer
    from reviews.sentiment.text import split_sentences, words
    from reviews.sentiment.training import train_classifier

    print(f"cpus: {os.cpu_count()}  load average: {os.getloadavg()[0]:.1f}")
    started = time.perf_counter()
    reviews = read_labelled(default_training_file())
    print(f"read {len(reviews.texts)} reviews in {time.perf_counter() - started:.1f}s")

    analyser = default_analyser()
    print(f"default analyser: {analyser.name} {analyser.version}")
    samples = five_hundred_word_reviews(reviews.texts, options.samples)
    analyser.analyse(samples[0])  # warm-up
    timings = []
    for text in samples:
        t0 = time.perf_counter()
        analyser.analyse(text)
        timings.append(1000 * (time.perf_counter() - t0))
    print(
        f"500-word review, one at a time: p50 {statistics.median(timings):.2f} ms, "
        f"p95 {percentile(timings, 0.95):.2f} ms (n={len(timings)})"
    )

    batch = (reviews.texts * (1 + options.batch // len(reviews.texts)))[: options.batch]
    t0 = time.perf_counter()
    analyser.analyse_batch(batch)
    seconds = time.perf_counter() - t0
    print(f"batch of {len(batch)} reviews (document polarity): {seconds:.1f}s = {len(batch) / seconds:.0f} reviews/s")

    # What the backfill does per review besides the document score (the DB writes come on top).
    subset = reviews.texts[: options.pipeline_reviews]
    t0 = time.perf_counter()
    sentences = [s for text in subset for s in split_sentences(text) if len(words(s)) >= 2]
    analyser.analyse_batch(sentences)
    hits = [aspects.lexicon_aspects(s) for s in sentences]
    for text in subset:
        emotions.profile_counts(text)
    seconds = time.perf_counter() - t0
    per_review = seconds / len(subset)
    print(
        f"sentences + aspects + emotions: {len(sentences)} sentences of {len(subset)} reviews in {seconds:.1f}s "
        f"= {1000 * per_review:.2f} ms/review -> 25,000 reviews ≈ {25_000 * per_review:.0f}s "
        f"({sum(bool(h) for h in hits) / len(hits):.0%} of sentences have a lexicon aspect)"
    )

    if options.minilm:
        embedder = aspects.default_embedder()
        if embedder is None:
            print("MiniLM: unavailable")
        else:
            unassigned = [s for s, h in zip(sentences, hits, strict=True) if not h][:512]
            t0 = time.perf_counter()
            aspects.assign_aspects(unassigned, embedder=embedder)
            seconds = time.perf_counter() - t0
            print(f"MiniLM aspect matching: {len(unassigned) / seconds:.0f} sentences/s")

    labelled = Path(__file__).resolve().parent / "data" / "aspect_mentions.jsonl"
    report = evaluation.aspect_polarity_accuracy(
        evaluation.read_aspect_mentions(labelled), analyser=analyser, scorer=clause_scorer()
    )
    print(
        f"aspect polarity on {report['mentions']} labelled mentions: {report['per_mention_accuracy']:.4f} per mention "
        f"(before: {report['sentence_level_accuracy']:.4f} from the whole sentence, {report['analyser']}); "
        f"sense checks {report['sense_checks_passed']}/{report['sense_checks']}"
    )

    if not options.skip_train:
        # Catalogue films (those in the database) are cross-fitted; the held-out films are never seen.
        with tempfile.TemporaryDirectory() as folder:
            result = train_classifier(output=Path(folder) / "nbsvm.npz", log=lambda message: None)
        print(
            f"training on {result.trained_on} reviews (read + fit + save): {result.seconds:.1f}s, "
            f"artifact {result.size_bytes / 1e6:.2f} MB; held-out accuracy {result.heldout_accuracy} on "
            f"{result.heldout_n} reviews of unseen films; {result.catalogue_excluded} catalogue reviews cross-fitted"
        )


if __name__ == "__main__":
    main()
