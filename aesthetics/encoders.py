"""Neural encoders: CLIP (images and text in one space); the sentence encoder lives in cineaesthete.ml.

Plain modules fed file paths and strings, returning L2-normalised float32 numpy arrays; nothing here knows
about Django models or HTTP. `clip_encoder()` returns None when no CLIP checkpoint is configured: the
visual-semantic signal is then off, and callers say so.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
from django.conf import settings
from PIL import Image

from catalog.ingest.images import IMAGE_FORMATS
from cineaesthete.caches import ProcessCache
from cineaesthete.ml import MODEL_LOAD_LOCK, configure_threads, normalise_rows

from .palette import MAX_PIXELS, ImageRejected

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


class ClipEncoder:
    """A CLIP checkpoint (Hugging Face id or local directory) through transformers' CLIPModel."""

    backend = "transformers"

    def __init__(self, checkpoint: str, *, device: str = "cpu") -> None:
        from transformers import AutoTokenizer, CLIPModel

        self.name = checkpoint
        self.device = torch.device(device)
        self.model = CLIPModel.from_pretrained(checkpoint).eval().to(self.device)
        self.tokenizer = AutoTokenizer.from_pretrained(checkpoint)
        self.dim = int(self.model.config.projection_dim)
        self.image_size, mean, std = self._preprocessing(checkpoint, int(self.model.config.vision_config.image_size))
        self._mean = torch.tensor(mean).view(1, 3, 1, 1)
        self._std = torch.tensor(std).view(1, 3, 1, 1)
        self.max_length = int(self.model.config.text_config.max_position_embeddings)

    @staticmethod
    def _preprocessing(checkpoint: str, image_size: int):
        config_path = Path(checkpoint) / "preprocessor_config.json"
        if config_path.is_file():
            config = json.loads(config_path.read_text())
            return image_size, tuple(config.get("image_mean", CLIP_MEAN)), tuple(config.get("image_std", CLIP_STD))
        return image_size, CLIP_MEAN, CLIP_STD

    def load_image(self, source) -> np.ndarray:
        """Decode, resize the short side and centre-crop to the model's input: (S, S, 3) uint8."""
        size = self.image_size
        try:
            with Image.open(source, formats=IMAGE_FORMATS) as image:
                if image.size[0] * image.size[1] > MAX_PIXELS:
                    raise ImageRejected(f"image is {image.size[0]}x{image.size[1]}, over the limit")
                image.draft("RGB", (size, size))
                image = image.convert("RGB")
                scale = size / min(image.size)
                resized = (max(size, round(image.size[0] * scale)), max(size, round(image.size[1] * scale)))
                image = image.resize(resized, Image.Resampling.BICUBIC)
                left, top = (resized[0] - size) // 2, (resized[1] - size) // 2
                return np.asarray(image.crop((left, top, left + size, top + size)), dtype=np.uint8)
        except ImageRejected:
            raise
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
            raise ImageRejected(f"image does not decode: {error}") from error

    def pixel_tensor(self, images: list[np.ndarray]) -> torch.Tensor:
        batch = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float().div_(255)
        return ((batch - self._mean) / self._std).to(self.device)

    @torch.inference_mode()
    def embed_pixels(self, images: list[np.ndarray]) -> np.ndarray:
        """(n, S, S, 3) uint8 crops → (n, dim) normalised embeddings."""
        if not images:
            return np.zeros((0, self.dim), dtype=np.float32)
        pixel_values = self.pixel_tensor(images)
        pooled = self.model.vision_model(pixel_values=pixel_values).pooler_output
        return normalise_rows(self.model.visual_projection(pooled))

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

    def __init__(self, checkpoint: str, *, device: str = "cpu") -> None:  # noqa: D107
        import open_clip  # lazily: only GPU workers install it

        arch, _, pretrained = checkpoint.partition(":")
        self.name = checkpoint
        self.device = torch.device(device)
        self.model, _, _ = open_clip.create_model_and_transforms(arch, pretrained=pretrained or None)
        self.model = self.model.eval().to(self.device)
        self._tokenize = open_clip.get_tokenizer(arch)
        self.image_size = int(self.model.visual.image_size[0])
        self.dim = int(self.model.text_projection.shape[1])
        self._mean = torch.tensor(CLIP_MEAN).view(1, 3, 1, 1)
        self._std = torch.tensor(CLIP_STD).view(1, 3, 1, 1)

    @torch.inference_mode()
    def embed_pixels(self, images: list[np.ndarray]) -> np.ndarray:
        if not images:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalise_rows(self.model.encode_image(self.pixel_tensor(images)))

    @torch.inference_mode()
    def embed_texts(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalise_rows(self.model.encode_text(self._tokenize(texts).to(self.device)))


def load_clip(checkpoint: str, backend: str = "transformers", device: str = "cpu") -> ClipEncoder:
    """A new encoder for ``checkpoint``; ``clip_encoder()`` keeps the one this process serves with."""
    if backend == "open_clip":
        return OpenClipEncoder(checkpoint, device=device)
    if backend != "transformers":
        raise ValueError(f"CLIP_BACKEND must be 'transformers' or 'open_clip', not {backend!r}")
    return ClipEncoder(checkpoint, device=device)


def _clip_settings() -> tuple[str, str, str]:
    return (settings.CLIP_MODEL, settings.CLIP_BACKEND, settings.ML_DEVICE)


# Built under the shared model-loading lock: transformers' lazy imports are not thread-safe.
_clip_cache: ProcessCache[tuple[str, str, str], ClipEncoder] = ProcessCache(
    lambda key: load_clip(*key), key=_clip_settings, lock=MODEL_LOAD_LOCK, name="CLIP encoder"
)


def clip_encoder() -> ClipEncoder | None:
    """The configured CLIP encoder, or None when settings.CLIP_MODEL is empty (signal off).

    Loaded once per process, and again when CLIP_MODEL, CLIP_BACKEND or ML_DEVICE change.
    """
    if not settings.CLIP_MODEL:
        return None
    configure_threads(settings.ML_THREADS)
    return _clip_cache.get()


def clip_encoder_reset() -> None:
    """Forget the loaded encoder (tests that configure a checkpoint of their own)."""
    _clip_cache.reset()
