"""Sentiment analysers behind one interface.

    analyser = default_analyser()
    polarity = analyser.analyse(text)          # Polarity(label, score in [-1, 1], analyser, version, ...)
    polarities = analyser.analyse_batch(texts)

Four implementations: VADER (lexicon baseline), the project's NB-SVM classifier (trained by
`manage.py train_sentiment`, artifact under MODEL_DIR/sentiment/), its blend with MiniLM fine-tuned for sentiment
(`train_sentiment --finetune`, a GPU-sized job; reviews.sentiment.encoder), and a transformers pipeline used only
when settings.SENTIMENT_MODEL names a fine-tuned model directory. `default_analyser()` picks the best available.
Every analyser cleans its input first (reviews.sentiment.text.prepare), so no string can make it raise.
"""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings

from cineaesthete.caches import ProcessCache
from reviews.sentiment.text import MAX_CHARS, prepare

logger = logging.getLogger(__name__)

POSITIVE, NEGATIVE, MIXED = "positive", "negative", "mixed"


@dataclass(frozen=True)
class Polarity:
    label: str  # positive / negative / mixed; "" when not analysable
    score: float  # -1 (negative) .. 1 (positive); 0 when not analysable
    analyser: str
    version: str
    analysable: bool = True
    reason: str = ""  # why not analysable, or a note such as "truncated to 20000 characters"

    def as_dict(self) -> dict:
        return asdict(self)


class Analyser(ABC):
    name: str = ""
    # Scores inside (-mixed_band, mixed_band) are labelled "mixed": the analyser cannot call it either way.
    mixed_band: float = 0.2

    @property
    @abstractmethod
    def version(self) -> str: ...

    @abstractmethod
    def scores(self, texts: Sequence[str]) -> list[float]:
        """Scores in [-1, 1] for already cleaned texts."""

    def label_for(self, score: float) -> str:
        if score >= self.mixed_band:
            return POSITIVE
        if score <= -self.mixed_band:
            return NEGATIVE
        return MIXED

    def analyse(self, text: str | None) -> Polarity:
        return self.analyse_batch([text])[0]

    def analyse_batch(self, texts: Sequence[str | None], *, max_chars: int = MAX_CHARS) -> list[Polarity]:
        prepared = [prepare(text, max_chars=max_chars) for text in texts]
        todo = [i for i, item in enumerate(prepared) if item.analysable]
        scored = dict(zip(todo, self.scores([prepared[i].text for i in todo]), strict=True)) if todo else {}
        results = []
        for i, item in enumerate(prepared):
            if i in scored:
                score = max(-1.0, min(1.0, float(scored[i])))
                results.append(Polarity(self.label_for(score), score, self.name, self.version, True, item.reason))
            else:
                results.append(Polarity("", 0.0, self.name, self.version, False, item.reason))
        return results


class VaderAnalyser(Analyser):
    """VADER's compound score; its documented neutral band is |compound| < 0.05."""

    name = "vader"
    mixed_band = 0.05

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._vader = SentimentIntensityAnalyzer()

    @property
    def version(self) -> str:
        from importlib.metadata import version

        return f"vaderSentiment-{version('vaderSentiment')}"

    def scores(self, texts: Sequence[str]) -> list[float]:
        return [self._vader.polarity_scores(text)["compound"] for text in texts]


class NbSvmAnalyser(Analyser):
    """The project's own classifier; score = 2·P(positive) − 1, "mixed" when P is between 0.4 and 0.6."""

    name = "nbsvm"
    mixed_band = 0.2

    def __init__(self, model) -> None:
        self.model = model

    @classmethod
    def from_file(cls, path: Path) -> NbSvmAnalyser:
        from reviews.sentiment.nbsvm import NbSvmModel  # scikit-learn is heavy: only where a classifier loads

        return cls(NbSvmModel.load(path))

    @property
    def version(self) -> str:
        return self.model.version

    def scores(self, texts: Sequence[str]) -> list[float]:
        return (2.0 * self.model.probabilities(texts) - 1.0).tolist()


class PipelineAnalyser(Analyser):
    """A fine-tuned transformers text-classification model; score = P(positive labels) − P(negative labels)."""

    name = "transformers"
    mixed_band = 0.2

    def __init__(self, model_path: str, *, device: str = "cpu", batch_size: int = 16) -> None:
        from transformers import pipeline  # heavy: imported only when a model is configured

        self.model_path = model_path
        self._pipeline = pipeline(
            "sentiment-analysis", model=model_path, tokenizer=model_path, device=device, top_k=None
        )
        self._batch_size = batch_size

    @property
    def version(self) -> str:
        return Path(self.model_path).name or self.model_path

    @staticmethod
    def _sign(label: str) -> int:
        label = label.lower()
        if label.startswith("pos") or label in ("label_1", "1", "5 stars", "4 stars"):
            return 1
        if label.startswith("neg") or label in ("label_0", "0", "1 star", "2 stars"):
            return -1
        return 0  # neutral or unknown labels pull towards "mixed"

    def scores(self, texts: Sequence[str]) -> list[float]:
        outputs = self._pipeline(list(texts), batch_size=self._batch_size, truncation=True)
        return [sum(self._sign(item["label"]) * item["score"] for item in output) for output in outputs]


class BlendAnalyser(Analyser):
    """NB-SVM blended with MiniLM fine-tuned for sentiment (reviews.sentiment.encoder); the NB-SVM's cross-fitting
    still holds (the encoder never saw the catalogue's reviews)."""

    name = "nbsvm+minilm"
    mixed_band = 0.2

    def __init__(self, nbsvm: NbSvmAnalyser, encoder) -> None:
        self.nbsvm, self.encoder = nbsvm, encoder

    @property
    def version(self) -> str:
        return f"{self.nbsvm.version}+{self.encoder.meta.get('version', 'minilm')}"

    def scores(self, texts: Sequence[str]) -> list[float]:
        from reviews.sentiment.encoder import blend_scores

        nb = self.nbsvm.model.decision(texts)
        return blend_scores(nb, self.encoder.differences(texts), self.encoder.meta["blend"]).tolist()


def classifier_artifact_path() -> Path:
    return Path(settings.MODEL_DIR) / "sentiment" / "nbsvm.npz"


def encoder_artifact_path() -> Path:
    return Path(settings.MODEL_DIR) / "sentiment" / "minilm"


def blend_is_current(nbsvm: NbSvmAnalyser) -> bool:
    """Whether a fine-tuned encoder was blended with this very NB-SVM artifact (its meta.json alone is read)."""
    try:
        meta = json.loads((encoder_artifact_path() / "meta.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and meta.get("nbsvm_version") == nbsvm.version and "blend" in meta


def blend_for(nbsvm: NbSvmAnalyser) -> BlendAnalyser | None:
    """The blend with the fine-tuned encoder, when one was trained against this very NB-SVM artifact; None when
    there is none, it was blended with another NB-SVM (retrained since), or it cannot be read."""
    directory = encoder_artifact_path()
    if not (directory / "meta.json").exists():
        return None
    if not blend_is_current(nbsvm):
        logger.warning(
            "fine-tuned sentiment encoder %s was not blended with NB-SVM %s (retrained since) or is unreadable: "
            "NB-SVM alone until `manage.py train_sentiment --finetune` runs again",
            directory,
            nbsvm.version,
        )
        return None
    try:
        from reviews.sentiment.encoder import SentimentEncoder

        encoder = SentimentEncoder.load(directory, device=settings.ML_DEVICE)
    except Exception:
        logger.exception("fine-tuned sentiment encoder %s is unreadable; NB-SVM alone", directory)
        return None
    return BlendAnalyser(nbsvm, encoder)


def available_analysers() -> dict[str, Analyser]:
    """Every analyser that can run here, by name (for evaluation side by side)."""
    analysers: dict[str, Analyser] = {"vader": VaderAnalyser()}
    if classifier_artifact_path().exists():
        analysers["nbsvm"] = NbSvmAnalyser.from_file(classifier_artifact_path())
        blend = blend_for(analysers["nbsvm"])
        if blend is not None:
            analysers[blend.name] = blend
    if settings.SENTIMENT_MODEL:
        analysers["transformers"] = PipelineAnalyser(settings.SENTIMENT_MODEL, device=settings.ML_DEVICE)
    return analysers


def _mtime(path: Path) -> int | None:
    return path.stat().st_mtime_ns if path.exists() else None


def _choice_key() -> tuple:
    artifact = classifier_artifact_path()
    encoder_meta = encoder_artifact_path() / "meta.json"
    return (settings.SENTIMENT_MODEL, str(artifact), _mtime(artifact), _mtime(encoder_meta))


def _analyser_choose(key: tuple) -> Analyser:
    analyser: Analyser | None = None
    if settings.SENTIMENT_MODEL:
        try:
            analyser = PipelineAnalyser(settings.SENTIMENT_MODEL, device=settings.ML_DEVICE)
        except Exception:
            logger.exception("SENTIMENT_MODEL=%s could not be loaded; falling back", settings.SENTIMENT_MODEL)
    if analyser is None and key[2] is not None:
        try:
            analyser = NbSvmAnalyser.from_file(classifier_artifact_path())
        except Exception:
            logger.exception("sentiment artifact %s is unreadable; falling back to VADER", key[1])
        else:
            analyser = blend_for(analyser) or analyser
    return analyser or VaderAnalyser()


_analyser_cache: ProcessCache[tuple, Analyser] = ProcessCache(
    _analyser_choose, key=_choice_key, name="sentiment analyser"
)


def default_analyser() -> Analyser:
    """The best analyser available: the configured transformers model, else the trained NB-SVM (blended with the
    fine-tuned encoder when one was trained against it), else VADER.

    Cached per process; retraining (a new artifact mtime) or a different SENTIMENT_MODEL picks a new one.
    A broken model or artifact is logged and skipped rather than taking reviews down with it.
    """
    return _analyser_cache.get()


def reset_default_analyser() -> None:
    _analyser_cache.reset()
