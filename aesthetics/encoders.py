"""Neural encoders: CLIP (images and text in one space); the sentence encoder lives in cineaesthete.ml.

Plain modules fed file paths and strings, returning L2-normalised float32 numpy arrays; nothing here knows
about Django models or HTTP. `clip_encoder()` returns None when no CLIP checkpoint is configured: the
visual-semantic signal is then off, and callers say so.
"""

from __future__ import annotations

import functools
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
from django.conf import settings

from cineaesthete.caches import ProcessCache
from cineaesthete.ml import MODEL_LOAD_LOCK, configure_threads, normalise_rows

from .image_pipeline import clip_crop

# CLIP's own normalisation constants, used when a checkpoint ships no preprocessor_config.json.
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


@functools.cache
def _query_pool() -> ThreadPoolExecutor:
    torch.set_num_threads(1)
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="query-encoder")


def encode_query_async(encode: Callable[[], np.ndarray]) -> Future:
    """Run one query encoding (CLIP text tower, MiniLM) on a small thread pool, one torch thread each.

    A search encodes its query with two models and scores palettes meanwhile; torch and numpy release the GIL,
    so on two cores the three overlap. A handful of tokens gains nothing from more torch threads per model.
    Query-serving processes (web) therefore run torch single-threaded; batch jobs set ML_THREADS themselves.
    """
    return _query_pool().submit(encode)


QUERY_VECTORS_KEPT = 256
_query_vectors: weakref.WeakKeyDictionary[object, OrderedDict[tuple, np.ndarray]] = weakref.WeakKeyDictionary()
_query_vectors_lock = threading.Lock()


def encode_texts_async(embed: Callable[[list[str]], np.ndarray], texts: Sequence[str]) -> Future:
    """``embed(texts)`` through encode_query_async, remembering the last QUERY_VECTORS_KEPT answers per encoder.

    Members repeat searches (the next page, the back button, one part removed), and a query's encoding is most
    of a search's time. ``embed`` is an encoder's bound method: a reloaded encoder starts with nothing kept. The
    same texts in the same batch give the same vectors as encoding them again; the arrays are shared, read-only.
    """
    encoder = getattr(embed, "__self__", None)
    key = (getattr(embed, "__name__", ""), tuple(texts))
    with _query_vectors_lock:
        kept = _query_vectors.get(encoder) if encoder is not None else None
        found = kept.get(key) if kept is not None else None
        if found is not None:
            kept.move_to_end(key)
    if found is not None:
        done: Future = Future()
        done.set_result(found)
        return done

    def encode() -> np.ndarray:
        vectors = embed(list(texts))
        vectors.setflags(write=False)
        if encoder is not None:
            with _query_vectors_lock:
                kept = _query_vectors.setdefault(encoder, OrderedDict())
                kept[key] = vectors
                while len(kept) > QUERY_VECTORS_KEPT:
                    kept.popitem(last=False)
        return vectors

    return encode_query_async(encode)


_PRECISIONS = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def _dtype(precision: str, device: torch.device) -> torch.dtype:
    """The weights' and activations' type: "auto" is fp16 on a GPU (CLIP's towers were trained in mixed
    precision; cosine ranks agree with fp32 to the third decimal) and fp32 elsewhere."""
    if precision == "auto":
        return torch.float16 if device.type == "cuda" else torch.float32
    if precision not in _PRECISIONS:
        raise ValueError(f"ML_PRECISION must be auto, fp32, fp16 or bf16, not {precision!r}")
    return _PRECISIONS[precision]


class EmbeddingHandle:
    """A batch of embeddings the device may still be computing; `result()` waits and returns numpy."""

    def __init__(self, features: torch.Tensor) -> None:
        if features.device.type == "cuda":
            host = torch.empty(features.shape, dtype=features.dtype, pin_memory=True)
            host.copy_(features, non_blocking=True)
            self._event = torch.cuda.Event()
            self._event.record()
            self._host = host
        else:
            self._event, self._host = None, features

    def result(self) -> np.ndarray:
        if self._event is not None:
            self._event.synchronize()
        return self._host.numpy().astype(np.float32, copy=False)


class ClipEncoder:
    """A CLIP checkpoint (Hugging Face id or local directory) through transformers' CLIPModel."""

    backend = "transformers"

    def __init__(self, checkpoint: str, *, device: str = "cpu", precision: str = "auto") -> None:
        from transformers import AutoTokenizer, CLIPModel

        self.name = checkpoint
        self.device = torch.device(device)
        self.dtype = _dtype(precision, self.device)
        self.model = CLIPModel.from_pretrained(checkpoint).eval().to(self.device, self.dtype)
        self.tokenizer = AutoTokenizer.from_pretrained(checkpoint)
        self.dim = int(self.model.config.projection_dim)
        self.image_size, mean, std = self._preprocessing(checkpoint, int(self.model.config.vision_config.image_size))
        self._set_normalisation(mean, std)
        self.max_length = int(self.model.config.text_config.max_position_embeddings)

    def _set_normalisation(self, mean: tuple[float, ...], std: tuple[float, ...]) -> None:
        # Folded into one multiply-add on the device: x / 255 - mean) / std == x * scale + shift.
        mean_t, std_t = torch.tensor(mean).view(1, 3, 1, 1), torch.tensor(std).view(1, 3, 1, 1)
        self._scale = (1 / (255 * std_t)).to(self.device, self.dtype)
        self._shift = (-mean_t / std_t).to(self.device, self.dtype)

    @staticmethod
    def _preprocessing(checkpoint: str, image_size: int):
        config_path = Path(checkpoint) / "preprocessor_config.json"
        if config_path.is_file():
            config = json.loads(config_path.read_text())
            return image_size, tuple(config.get("image_mean", CLIP_MEAN)), tuple(config.get("image_std", CLIP_STD))
        return image_size, CLIP_MEAN, CLIP_STD

    def load_image(self, source) -> np.ndarray:
        """Decode, resize the short side and centre-crop to the model's input: (S, S, 3) uint8."""
        return clip_crop(source, self.image_size)

    def pixel_tensor(self, images: list[np.ndarray] | np.ndarray) -> torch.Tensor:
        """uint8 crops → normalised pixels on the device, in the model's precision.

        The crops travel as uint8 (a quarter of float32's bytes), from pinned memory when a GPU waits.
        """
        batch = torch.from_numpy(np.ascontiguousarray(np.stack(images) if isinstance(images, list) else images))
        if self.device.type == "cuda":
            batch = batch.pin_memory().to(self.device, non_blocking=True)
        pixels = batch.permute(0, 3, 1, 2).to(self.dtype)
        return pixels.mul_(self._scale).add_(self._shift)

    def _image_features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        pooled = self.model.vision_model(pixel_values=pixel_values).pooler_output
        return self.model.visual_projection(pooled)

    @torch.inference_mode()
    def embed_pixels(self, images: list[np.ndarray] | np.ndarray) -> np.ndarray:
        """(n, S, S, 3) uint8 crops → (n, dim) normalised embeddings."""
        return self.embed_uint8_async(images).result()

    @torch.inference_mode()
    def embed_uint8_async(self, images: list[np.ndarray] | np.ndarray) -> EmbeddingHandle:
        """Start embedding a batch; on a GPU this returns at once and `result()` waits for the device."""
        if len(images) == 0:
            return EmbeddingHandle(torch.zeros((0, self.dim)))
        features = torch.nn.functional.normalize(self._image_features(self.pixel_tensor(images)).float(), dim=-1)
        return EmbeddingHandle(features)

    def embed_images(self, sources: list) -> np.ndarray:
        return self.embed_pixels([self.load_image(source) for source in sources])

    @torch.inference_mode()
    def embed_texts(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        tokens = self.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        ).to(self.device)
        pooled = self.model.text_model(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"])
        return normalise_rows(self.model.text_projection(pooled.pooler_output))


class OpenClipEncoder(ClipEncoder):
    """open_clip backend for GPU workers (requirements-gpu.txt). `checkpoint` is "ARCH:PRETRAINED_OR_PATH"."""

    backend = "open_clip"

    def __init__(self, checkpoint: str, *, device: str = "cpu", precision: str = "auto") -> None:  # noqa: D107
        import open_clip  # lazily: only GPU workers install it

        arch, _, pretrained = checkpoint.partition(":")
        self.name = checkpoint
        self.device = torch.device(device)
        self.dtype = _dtype(precision, self.device)
        self.model, _, _ = open_clip.create_model_and_transforms(arch, pretrained=pretrained or None)
        self.model = self.model.eval().to(self.device, self.dtype)
        self._tokenize = open_clip.get_tokenizer(arch)
        self.image_size = int(self.model.visual.image_size[0])
        self.dim = int(self.model.text_projection.shape[1])
        self._set_normalisation(CLIP_MEAN, CLIP_STD)

    def _image_features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.model.encode_image(pixel_values)

    @torch.inference_mode()
    def embed_texts(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalise_rows(self.model.encode_text(self._tokenize(texts).to(self.device)))


def load_clip(
    checkpoint: str, backend: str = "transformers", device: str = "cpu", precision: str = "auto"
) -> ClipEncoder:
    """A new encoder for ``checkpoint``; ``clip_encoder()`` keeps the one this process serves with."""
    if backend == "open_clip":
        return OpenClipEncoder(checkpoint, device=device, precision=precision)
    if backend != "transformers":
        raise ValueError(f"CLIP_BACKEND must be 'transformers' or 'open_clip', not {backend!r}")
    return ClipEncoder(checkpoint, device=device, precision=precision)


def _clip_settings() -> tuple[str, str, str, str]:
    return (settings.CLIP_MODEL, settings.CLIP_BACKEND, settings.ML_DEVICE, settings.ML_PRECISION)


# Built under the shared model-loading lock: transformers' lazy imports are not thread-safe.
_clip_cache: ProcessCache[tuple[str, str, str, str], ClipEncoder] = ProcessCache(
    lambda key: load_clip(*key), key=_clip_settings, lock=MODEL_LOAD_LOCK, name="CLIP encoder"
)


def clip_encoder() -> ClipEncoder | None:
    """The configured CLIP encoder, or None when settings.CLIP_MODEL is empty (signal off).

    Loaded once per process, and again when CLIP_MODEL, CLIP_BACKEND, ML_DEVICE or ML_PRECISION change.
    """
    if not settings.CLIP_MODEL:
        return None
    configure_threads(settings.ML_THREADS)
    return _clip_cache.get()


def clip_encoder_reset() -> None:
    """Forget the loaded encoder (tests that configure a checkpoint of their own)."""
    _clip_cache.reset()
