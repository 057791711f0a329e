"""NB-SVM (Wang & Manning 2012) on hashed, binarised word 1-3-grams, with logistic regression.

Features are scaled by the naive-Bayes log-count ratio r = log((p/|p|1) / (q/|q|1)), with add-4 smoothing of the
class counts p and q (DEFAULT_ALPHA), before a linear classifier is fitted. Because the features are binary, the fitted model collapses to one weight per
hashed feature (r_j * w_j) plus a bias, which is all the artifact stores: no vocabulary, no sklearn pickle.

Cross-fitting: a model may carry a `fallback` model trained without some reviews, and the keys of those
reviews' texts (`seen`). A text the main model was trained on is scored by the fallback, which never saw it, so
the reviews the site shows from the training file are labelled out of sample while every other review gets the
model that learnt from all the data.

What was measured for issue 10 (accuracy). "CV": out of fold over the 16,421 train + validation reviews (never the
test films), four folds of two film buckets each (2-3, 4-5, 6-7, 8-9); it is the validation data, 8.5 times the
1,934-review validation split ("val", trained on the train split), whose figures move by 0.003 on six reviews.
"Held-out": the 4,759 reviews of films never trained or tuned on, with the shipped model (trained on train +
validation + catalogue) and, in brackets, its fallback (without the catalogue), once per final candidate.

| recipe (word 1-3-grams, C 0.3, NB alpha 1, 250,000 weights kept unless said) | CV     | val    | held-out        |
|------------------------------------------------------------------------------|--------|--------|-----------------|
| the previous recipe                                                          | 0.8971 | 0.9028 | 0.9086 (0.9033) |
| **NB alpha 4 (shipped)**                                                     | 0.9003 | 0.9023 | 0.9109 (0.9073) |
| NB alpha 0.5                                                                 | 0.8939 |        |                 |
| NB alpha 2                                                                   | 0.9002 | 0.8997 |                 |
| NB alpha 8                                                                   | 0.8978 | 0.9043 |                 |
| NB alpha 4, C 1                                                              | 0.9002 |        |                 |
| C 0.1; C 1                                                                   | 0.8965; 0.8971 |  |               |
| no 250,000-weight cut                                                        |        | 0.9038 |                 |
| sample weights 1 + 0.5e (e: 0 for 4/7 stars .. 1 for 1/10 stars)             | 0.8963 | 0.9038 |                 |
| sample weights 1 - 0.5e; 1 + e; 1 + 2e                                       |        | 0.9028; 0.9028; 0.9018 |  |
| the same weights in the NB ratio too                                         |        | ≤ 0.9033 |               |
| + a ridge regression of the stars, stacked (weights 0.25-2)                  |        | ≤ 0.9033 |               |
| char_wb 2-5-grams alone, C 0.1 (C 0.03: 0.8806, C 0.3: 0.8749 on val)        | 0.8798 | 0.8816 |                 |
| 0.8 word + 0.2 char_wb 2-5 in log-odds (branch wip/senti-char-blend)         | 0.9006 | 0.9028 (*) | 0.9071 (0.9071) |
| word 1-2-grams alone; averaged with 1-3-grams (best share 0.4)               | 0.8982; 0.8992 |  |               |
| word 1-3 + word 1-2 + char_wb 2-5 (best weights)                             | 0.9010 |        |                 |
| L2-normalised rows of x·diag(r), C 10 / 30 (C 30: val 0.9064)               | 0.8993 / 0.9005 | |              |
| sublinear tf (1 + log count) instead of binary, C 0.1 / 0.3                  |        | 0.9018 / 0.9012 |        |
| "..." kept as a token                                                        |        | 0.9018 |                 |
| MiniLM (all-MiniLM-L6-v2) review embeddings, logistic regression, alone      |        | 0.7911 (first 256 tokens), 0.8133 (last 254) | |
| the same stacked on the NB-SVM decision (LR on both decisions, or on NB + 384 dims), first / last / first + last tokens | | 0.9002-0.9049 | |
| Doc2Vec PV-DBOW (gensim) trained on the train texts, 150 / 300 dims, LR on inferred vectors, alone | 0.8361 / 0.8421 (OOF) | 0.8418 / 0.8552 | |
| fastText-style model (mean of hashed word and word-pair embeddings, 100 dims, torch), alone | 0.8848 (OOF) | 0.8956 | |
| NB-SVM + Doc2Vec / + fastText-style / + both, LR stacker on out-of-fold decisions |  | 0.9069 / 0.9054 / 0.9054 | |
| 0.85 NB-SVM + 0.15 fastText-style, standardised log-odds (weights chosen out of fold) | 0.9018 (OOF, vs 0.8996) | 0.9049-0.9064 | |
| MiniLM **fine-tuned** on the train split (1 epoch, first 128 + last 126 tokens, mean pooling), alone |  | 0.9033 | 0.9059 |
| **NB-SVM + 0.25 × fine-tuned MiniLM**, standardised log-odds (weight chosen on val; 0.5 / 1: val 0.9137 / 0.9142) |  | 0.9168 | **0.9244** (0.9239-0.9256 for weights 0.25-1) |

(*) on the validation films' out-of-fold predictions; trained on the train split, char weights 0.3 / 0.4 gave
0.9033 / 0.9059 on val.

The character blend was not shipped: held-out no better, training 255 s instead of 81 s and one 500-word review
8.5 ms instead of 0.8 ms. Rejected earlier on validation: ending-sentence features, 2^24 buckets, NB alpha 0.25,
Wang & Manning's interpolated SVM, a word tf-idf ensemble, negation marking. MiniLM stacking (rows above; stacker
trained out of fold on 4,000 train reviews grouped by film, measured on the validation split) moves validation by
-0.002 to +0.003, i.e. -4 to +5 reviews, while embedding costs ~80 ms a review on one CPU thread (12.6 reviews/s
quiet) against 0.8 ms: the embeddings alone reach only 0.79-0.81 on sentiment, so there is little to stack. 0.92
held-out needs a model fine-tuned for sentiment (a GPU job), not a frozen sentence encoder. Paragraph vectors and a
fastText-style model (rows above; OOF = out of fold over the train split, folds grouped by film) gain +0.002 to
+0.005 on validation, and the two ways of combining disagree on which helps: noise, not the +0.7 point Mesnil et al.
(2014) report, whose paragraph vectors learnt from ~100k IMDb texts (ours: 14.5k). Doc2Vec with word training
memorises its training texts (0.93 out of fold when the folds' texts were in its vocabulary, 0.79 on validation).

The fine-tuned encoder (reviews/sentiment/encoder.py) is what the frozen one was not: its errors differ from
NB-SVM's enough that the blend gains 1.3 points held-out, reaching the 0.92 issue 10 asks for. It costs an hour of
fine-tuning on two CPU cores (55 min here for 14,487 reviews) and ~40 ms a review to score, so it is trained in
the background (`train_sentiment --finetune`, the `training` queue) and NB-SVM alone serves until then.

Plain numpy/scipy/sklearn; no Django.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from reviews.sentiment.text import TOKEN_PATTERN, strip_html

FORMAT = "nbsvm-hashed-1"
CROSS_FITTED_FORMAT = "nbsvm-hashed-cross-fitted-1"
# Word 1-3-grams: trigrams ("not at all", "waste of time") lift held-out accuracy about a point over
# bigrams; 2**22 buckets keep their hash collisions rare.
DEFAULT_N_FEATURES = 2**22
DEFAULT_NGRAM_MAX = 3
DEFAULT_C = 0.3
# Add-alpha smoothing of the NB counts: 4 rather than 1 shrinks the ratios of rare n-grams (most of the trigrams)
# towards 0, so a phrase seen a few times in one class no longer outweighs common evidence (table above).
DEFAULT_ALPHA = 4.0
DEFAULT_KEEP = 250_000


def vectoriser(*, n_features: int, ngram_max: int) -> HashingVectorizer:
    return HashingVectorizer(
        n_features=n_features,
        ngram_range=(1, ngram_max),
        binary=True,
        norm=None,
        alternate_sign=False,
        lowercase=True,
        token_pattern=TOKEN_PATTERN,
        dtype=np.float32,
    )


_KEY_WORD = re.compile(r"[a-z0-9]+")


def text_key(text: str) -> int:
    """A 63-bit key of a text's words, blind to case, punctuation, whitespace and markup spacing, so a review
    imported from the training file is recognised however its HTML and spaces were cleaned."""
    words = " ".join(_KEY_WORD.findall(strip_html(text).lower()))
    return int.from_bytes(hashlib.blake2b(words.encode(), digest_size=8).digest(), "big") >> 1


def binary_features(texts: Sequence[str], *, n_features: int, ngram_max: int) -> sparse.csr_matrix:
    matrix = vectoriser(n_features=n_features, ngram_max=ngram_max).transform(texts).tocsr()
    matrix.data[:] = 1.0  # hash collisions can sum to 2
    return matrix


def log_count_ratio(features: sparse.csr_matrix, labels: np.ndarray, *, alpha: float = 1.0) -> np.ndarray:
    p = np.asarray(features[labels == 1].sum(axis=0)).ravel() + alpha
    q = np.asarray(features[labels == 0].sum(axis=0)).ravel() + alpha
    return np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)


@dataclass
class NbSvmModel:
    """A trained model: P(positive) = sigmoid(x · weights + bias) for binary hashed n-gram features x."""

    weights: np.ndarray
    bias: float
    n_features: int
    ngram_max: int
    meta: dict = field(default_factory=dict)
    # Cross-fitting: texts whose key is in `seen` were trained on, so `fallback` (which never saw them) scores them.
    fallback: NbSvmModel | None = field(default=None, repr=False)
    seen: frozenset[int] = field(default_factory=frozenset, repr=False)
    _vectoriser: HashingVectorizer | None = field(default=None, repr=False, compare=False)

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "untrained"))

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        if self._vectoriser is None:
            self._vectoriser = vectoriser(n_features=self.n_features, ngram_max=self.ngram_max)
        features = self._vectoriser.transform(texts).tocsr()
        features.data[:] = 1.0
        decisions = features @ self.weights + self.bias
        if self.fallback is not None and self.seen:
            rows = [i for i, text in enumerate(texts) if text_key(text) in self.seen]
            if rows:
                decisions[rows] = features[rows] @ self.fallback.weights + self.fallback.bias
        return decisions

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.decision(texts)))

    def save(self, path: Path) -> int:
        """Write a compressed .npz holding only the non-zero weights (float16) of the model and of its fallback,
        with the seen keys; returns its size in bytes."""
        nonzero = np.flatnonzero(self.weights).astype(np.int32)
        header = {
            "format": FORMAT if self.fallback is None else CROSS_FITTED_FORMAT,
            "bias": self.bias,
            "n_features": self.n_features,
            "ngram_max": self.ngram_max,
            "meta": self.meta,
        }
        arrays = {"indices": nonzero, "values": self.weights[nonzero].astype(np.float16)}
        if self.fallback is not None:
            if (self.fallback.n_features, self.fallback.ngram_max) != (self.n_features, self.ngram_max):
                raise ValueError("a fallback model must hash features the same way as the model")
            fallback_nonzero = np.flatnonzero(self.fallback.weights).astype(np.int32)
            arrays["fallback_indices"] = fallback_nonzero
            arrays["fallback_values"] = self.fallback.weights[fallback_nonzero].astype(np.float16)
            arrays["seen"] = np.array(sorted(self.seen), dtype=np.int64)
            header["fallback"] = {"bias": self.fallback.bias, "meta": self.fallback.meta}
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8), **arrays)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(buffer.getvalue())
        tmp.replace(path)  # atomic: a reader never sees half a file
        return path.stat().st_size

    @classmethod
    def load(cls, path: Path) -> NbSvmModel:
        with np.load(path) as archive:
            header = json.loads(archive["header"].tobytes().decode())
            if header.get("format") not in (FORMAT, CROSS_FITTED_FORMAT):
                raise ValueError(f"{path} is not a {FORMAT} artifact")
            n_features, ngram_max = int(header["n_features"]), int(header["ngram_max"])

            def dense(indices: str, values: str) -> np.ndarray:
                weights = np.zeros(n_features, dtype=np.float32)
                weights[archive[indices]] = archive[values].astype(np.float32)
                return weights

            fallback, seen = None, frozenset()
            if header["format"] == CROSS_FITTED_FORMAT:
                fallback = cls(
                    weights=dense("fallback_indices", "fallback_values"),
                    bias=float(header["fallback"]["bias"]),
                    n_features=n_features,
                    ngram_max=ngram_max,
                    meta=header["fallback"].get("meta", {}),
                )
                seen = frozenset(int(key) for key in archive["seen"])
            return cls(
                weights=dense("indices", "values"),
                bias=float(header["bias"]),
                n_features=n_features,
                ngram_max=ngram_max,
                meta=header.get("meta", {}),
                fallback=fallback,
                seen=seen,
            )


def _fit_on_features(
    features: sparse.csr_matrix, labels: np.ndarray, *, c: float, alpha: float, keep: int | None
) -> tuple[np.ndarray, float]:
    ratio = log_count_ratio(features, labels, alpha=alpha)
    classifier = LogisticRegression(C=c, solver="liblinear", max_iter=1000)
    classifier.fit(features @ sparse.diags(ratio), labels)
    weights = (classifier.coef_.ravel() * ratio).astype(np.float32)
    if keep is not None and np.count_nonzero(weights) > keep:
        # Keep the features that move decisions most, so the artifact stays a few MB.
        strongest = np.argpartition(np.abs(weights), -keep)[-keep:]
        pruned = np.zeros_like(weights)
        pruned[strongest] = weights[strongest]
        weights = pruned
    return weights, float(classifier.intercept_[0])


def _accuracy(weights: np.ndarray, bias: float, features: sparse.csr_matrix, labels: np.ndarray) -> float:
    return float((((features @ weights + bias) >= 0).astype(int) == labels).mean())


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    c_values: Sequence[float] = (0.3, 1.0, 3.0),
    folds: int = 5,
    n_features: int = DEFAULT_N_FEATURES,
    ngram_max: int = DEFAULT_NGRAM_MAX,
    alpha: float = DEFAULT_ALPHA,
    keep: int | None = DEFAULT_KEEP,
    seed: int = 0,
) -> dict[float, list[float]]:
    """Accuracy per fold for each C, folds stratified and shuffled with a fixed seed."""
    y = np.asarray(labels, dtype=int)
    features = binary_features(texts, n_features=n_features, ngram_max=ngram_max)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    results: dict[float, list[float]] = {c: [] for c in c_values}
    for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
        for c in c_values:
            weights, bias = _fit_on_features(features[train_idx], y[train_idx], c=c, alpha=alpha, keep=keep)
            results[c].append(_accuracy(weights, bias, features[test_idx], y[test_idx]))
    return results


def train(
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    c: float = DEFAULT_C,
    alpha: float = DEFAULT_ALPHA,
    n_features: int = DEFAULT_N_FEATURES,
    ngram_max: int = DEFAULT_NGRAM_MAX,
    keep: int | None = DEFAULT_KEEP,
    extra_meta: dict | None = None,
) -> NbSvmModel:
    """Fit on all the given texts (labels 1 = positive, 0 = negative)."""
    y = np.asarray(labels, dtype=int)
    if len(set(y.tolist())) != 2:
        raise ValueError("training needs both positive and negative examples")
    started = time.perf_counter()
    features = binary_features(texts, n_features=n_features, ngram_max=ngram_max)
    weights, bias = _fit_on_features(features, y, c=c, alpha=alpha, keep=keep)
    digest = hashlib.sha256(weights.tobytes()).hexdigest()[:10]
    meta = {
        "version": f"{FORMAT}-{digest}",
        "c": c,
        "nb_alpha": alpha,
        "keep": keep,
        "trained_on": len(y),
        "train_seconds": round(time.perf_counter() - started, 2),
        "train_accuracy": round(_accuracy(weights, bias, features, y), 4),
        **(extra_meta or {}),
    }
    return NbSvmModel(weights=weights, bias=bias, n_features=n_features, ngram_max=ngram_max, meta=meta)
