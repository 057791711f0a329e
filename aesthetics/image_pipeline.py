"""Feeding CLIP's image tower fast: decoding in parallel processes, batches on the device, vectors in bulk.

One process decodes about 500 posters a second (JPEG decode, bicubic resize, centre crop), while an H100
runs ViT-B/32 at about 25,000 images a second in fp16: a GPU worker that decodes in its own thread sits idle
almost all the time. Here a pool of decoder processes (``spawn``ed: safe beside CUDA and an open database
connection) turns sources into uint8 crops in chunks, the parent gathers them into device-sized batches, and
the encoder moves each batch to the device as uint8 (a quarter of float32's bytes), normalises it there and
runs the tower in half precision, keeping one batch in flight while the next is gathered.

Plain module: sources in (file paths or bytes), ``(keys, vectors, failures)`` out; nothing here knows about
Django models. ``aesthetics.services.images_embed_clip`` stores what it yields.
"""

from __future__ import annotations

import io
import multiprocessing
import os
from collections import deque
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from catalog.ingest.images import IMAGE_FORMATS

from .palette import MAX_PIXELS, ImageRejected

if TYPE_CHECKING:
    from .encoders import ClipEncoder, EmbeddingHandle

Source = str | Path | bytes
# Images a decoder process handles per task: big enough that the pickling round trip is cheap, small
# enough that every process stays busy to the end.
DECODE_CHUNK = 32


def clip_crop(source: Source | io.IOBase, size: int) -> np.ndarray:
    """Decode, resize the short side to ``size`` and centre-crop: an (S, S, 3) uint8 array.

    ImageRejected for anything that is not a picture in an accepted format or is over the pixel limit.
    """
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        with Image.open(source, formats=IMAGE_FORMATS) as image:
            if image.size[0] * image.size[1] > MAX_PIXELS:
                raise ImageRejected(f"image is {image.size[0]}x{image.size[1]}, over the limit")
            # JPEG's DCT scaling: decode at the smallest power-of-two reduction still at least `size`.
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


@dataclass
class DecodedChunk:
    """What one decoder task returns: the crops that decoded, in order, and why the others did not."""

    keys: list[Hashable] = field(default_factory=list)
    crops: np.ndarray | None = None
    failures: list[tuple[Hashable, str]] = field(default_factory=list)


def _decode_chunk(task: tuple[int, Sequence[tuple[Hashable, Source]]]) -> DecodedChunk:
    size, items = task
    chunk, crops = DecodedChunk(), []
    for key, source in items:
        try:
            crops.append(clip_crop(source, size))
        except ImageRejected as error:
            chunk.failures.append((key, str(error)[:500]))
        else:
            chunk.keys.append(key)
    chunk.crops = np.stack(crops) if crops else np.zeros((0, size, size, 3), dtype=np.uint8)
    return chunk


def _decoded_chunks(items: Iterable[tuple[Hashable, Source]], size: int, workers: int) -> Iterator[DecodedChunk]:
    tasks = _chunks(items, size)
    if workers <= 1:
        yield from map(_decode_chunk, tasks)
        return
    # spawn, not fork: a forked child would share the parent's CUDA context and database sockets.
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        # imap keeps every process busy and hands chunks back in order; the parent only gathers them.
        yield from pool.imap(_decode_chunk, tasks)


def _chunks(items: Iterable[tuple[Hashable, Source]], size: int) -> Iterator[tuple[int, list]]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == DECODE_CHUNK:
            yield size, chunk
            chunk = []
    if chunk:
        yield size, chunk


def default_decoders() -> int:
    """Decoder processes: every core but the one feeding the device (at least one)."""
    return max(1, (os.cpu_count() or 2) - 1)


@dataclass
class EmbeddedBatch:
    keys: list[Hashable]
    vectors: np.ndarray
    failures: list[tuple[Hashable, str]]


def embed_images_stream(
    encoder: ClipEncoder,
    items: Iterable[tuple[Hashable, Source]],
    *,
    batch_size: int = 256,
    decoders: int | None = None,
) -> Iterator[EmbeddedBatch]:
    """Embed ``(key, source)`` pairs, yielding a batch of vectors (and the keys that failed) at a time.

    With ``decoders`` > 1 the images are decoded by that many processes while the device runs the tower;
    with 1 everything runs here (tests, a CPU worker with nothing to overlap). One batch stays in flight on
    the device while the next is gathered, so the device never waits for the parent to read results back.
    """
    decoders = default_decoders() if decoders is None else decoders
    in_flight: deque[tuple[list[Hashable], list[tuple[Hashable, str]], EmbeddingHandle]] = deque()
    keys: list[Hashable] = []
    crops: list[np.ndarray] = []
    failures: list[tuple[Hashable, str]] = []

    def launch() -> None:
        batch = np.concatenate(crops) if crops else np.zeros((0, encoder.image_size, encoder.image_size, 3), np.uint8)
        in_flight.append((list(keys), list(failures), encoder.embed_uint8_async(batch)))
        for gathered in (keys, crops, failures):
            gathered.clear()

    def oldest() -> EmbeddedBatch:
        done_keys, done_failures, handle = in_flight.popleft()
        return EmbeddedBatch(keys=done_keys, vectors=handle.result(), failures=done_failures)

    for chunk in _decoded_chunks(items, encoder.image_size, decoders):
        keys.extend(chunk.keys)
        failures.extend(chunk.failures)
        if chunk.keys:
            crops.append(chunk.crops)
        if len(keys) >= batch_size:
            launch()
            if len(in_flight) > 1:
                yield oldest()
    if keys or failures:
        launch()
    while in_flight:
        yield oldest()
