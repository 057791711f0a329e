"""Writes of the aesthetics app: analysing images, embedding images and texts, ingesting video frames."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from catalog.models import Film, FilmImage, FilmTag
from cineaesthete.ml import text_encoder
from cineaesthete.progress import Progress, no_progress
from reviews.models import Review

from .encoders import clip_encoder
from .image_pipeline import EmbeddedBatch, default_decoders, embed_images_stream
from .models import CLIP_DIM, REVIEW_TEXT_CHARS, FilmTextEmbedding, ImageAesthetics
from .palette import MEASURES, ImageRejected, analyse_image, palette_vector

logger = logging.getLogger(__name__)


@dataclass
class BatchResult:
    done: int = 0
    failed: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"done": self.done, "failed": self.failed, "skipped": self.skipped}


# --- images ---------------------------------------------------------------------------------------------
def images_needing_palette() -> Iterable[int]:
    """Images never analysed, and analysed ones from before a measure was added (re-analysed in place)."""
    stale = Q(aesthetics__status=ImageAesthetics.Status.DONE) & (
        Q(aesthetics__neon__isnull=True) | Q(aesthetics__greyscale__isnull=True)
    )
    return FilmImage.objects.filter(Q(aesthetics__isnull=True) | stale).order_by("id").values_list("id", flat=True)


def _analysis(image: FilmImage) -> ImageAesthetics:
    """An unsaved ImageAesthetics row: the analysis, or a failed row saying why there is none."""
    try:
        with image.file.open("rb") as handle:
            palette = analyse_image(handle)
    except (ImageRejected, OSError, ValueError) as error:
        return ImageAesthetics(
            image_id=image.pk, film_id=image.film_id, status=ImageAesthetics.Status.FAILED, error=str(error)[:500]
        )
    return ImageAesthetics(
        image_id=image.pk,
        film_id=image.film_id,
        palette=palette.as_json(),
        palette_vector=palette_vector(palette.colours, palette.shares),
        **palette.measures,
    )


def image_analyse(*, image: FilmImage) -> ImageAesthetics:
    """Analyse (or re-analyse) one image."""
    row = _analysis(image)
    ImageAesthetics.objects.filter(image=image).delete()
    row.save()
    return row


def images_analyse(*, image_ids: list[int] | None = None, batch_size: int = 200, progress: Progress = no_progress):
    """Analyse every image without aesthetics (or the given ones); safe to re-run, resumes where it stopped.

    An image that cannot be analysed gets a failed row with the reason, and the batch goes on.
    """
    pending = list(images_needing_palette() if image_ids is None else image_ids)
    result = BatchResult()
    for start in range(0, len(pending), batch_size):
        chunk = pending[start : start + batch_size]
        rows = [_analysis(image) for image in FilmImage.objects.filter(pk__in=chunk).only("id", "film_id", "file")]
        failed = sum(row.status == ImageAesthetics.Status.FAILED for row in rows)
        result.failed += failed
        result.done += len(rows) - failed
        # One statement per batch; a re-analysed image (a measure added since) is updated in place.
        ImageAesthetics.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["image"],
            update_fields=["status", "error", "palette", "palette_vector", *MEASURES],
        )
        progress("palettes", min(start + batch_size, len(pending)), len(pending))
    return result


def images_embed_clip(
    *, batch_size: int = 32, decoders: int | None = None, progress: Progress = no_progress
) -> BatchResult | None:
    """CLIP embeddings for analysed images that lack one from the configured checkpoint. None: CLIP is off.

    Images are decoded by `decoders` processes (settings.ML_DECODERS; one per core but one by default, 1 on a
    CPU device, where the model needs the cores) while the model embeds the previous batch; each batch's
    vectors are written in one statement. Safe to re-run: only images without this checkpoint's vector are done.
    """
    encoder = clip_encoder()
    if encoder is None:
        return None
    if encoder.dim != CLIP_DIM:
        raise ValueError(f"CLIP checkpoint {encoder.name} projects to {encoder.dim} dimensions; {CLIP_DIM} are stored")
    if decoders is None:
        decoders = settings.ML_DECODERS or (default_decoders() if encoder.device.type == "cuda" else 1)
    pending = list(
        ImageAesthetics.objects.filter(status=ImageAesthetics.Status.DONE)
        .filter(Q(clip_vector__isnull=True) | ~Q(clip_model=encoder.name))
        .order_by("id")
        .values_list("id", "image__file")
    )
    storage = FilmImage._meta.get_field("file").storage
    result = BatchResult()
    for batch in embed_images_stream(
        encoder, ((pk, _image_source(storage, name)) for pk, name in pending), batch_size=batch_size, decoders=decoders
    ):
        _clip_vectors_store(batch, encoder.name)
        result.done += len(batch.keys)
        result.failed += len(batch.failures)
        progress("CLIP image embeddings", result.done + result.failed, len(pending))
    return result


def _image_source(storage, name: str) -> str | bytes:
    """A path the decoder processes open themselves, or the bytes when the storage has no local paths."""
    try:
        return storage.path(name)
    except NotImplementedError:
        with storage.open(name, "rb") as handle:
            return handle.read()


@transaction.atomic
def _clip_vectors_store(batch: EmbeddedBatch, model_name: str) -> None:
    """One UPDATE for the batch's vectors (unnest of two arrays), one for the images that did not decode."""
    if batch.keys:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImageAesthetics._meta.db_table} AS row SET clip_vector = data.vector::vector, clip_model = %s,"
                " updated_at = now() FROM unnest(%s::bigint[], %s::text[]) AS data(id, vector) WHERE row.id = data.id",
                [model_name, list(batch.keys), [_vector_text(vector) for vector in batch.vectors]],
            )
    for pk, error in batch.failures:
        ImageAesthetics.objects.filter(pk=pk).update(
            status=ImageAesthetics.Status.FAILED, error=error, updated_at=timezone.now()
        )


def _vector_text(vector: np.ndarray) -> str:
    """pgvector's text form; float32 values print exactly through Python's shortest repr."""
    return str(vector.astype(np.float32).tolist())


# --- texts ------------------------------------------------------------------------------------------------
def film_texts(film_ids: Iterable[int] | None = None) -> dict[tuple[int, str], str]:
    """The texts embedded per film: its plot, its top tags and (when present) its review sentences."""
    films = Film.objects.all() if film_ids is None else Film.objects.filter(pk__in=list(film_ids))
    texts: dict[tuple[int, str], str] = {}
    for film_id, plot in films.exclude(plot="").values_list("id", "plot"):
        texts[(film_id, FilmTextEmbedding.Source.PLOT)] = plot.strip()
    tags: dict[int, list[str]] = {}
    tag_rows = FilmTag.objects.filter(film__in=films).order_by("film_id", "-count").values_list("film_id", "tag__name")
    for film_id, name in tag_rows:
        if len(tags.setdefault(film_id, [])) < 20:
            tags[film_id].append(name)
    for film_id, names in tags.items():
        texts[(film_id, FilmTextEmbedding.Source.TAGS)] = ", ".join(names)
    texts.update(_review_texts(films))
    return texts


def _review_texts(films) -> dict[tuple[int, str], str]:
    texts: dict[tuple[int, str], str] = {}
    rows = (
        Review.objects.filter(film__in=films, is_private=False, is_hidden=False)
        .order_by("film_id", "id")
        .values_list("film_id", "text")
    )
    for film_id, body in rows:
        key = (film_id, FilmTextEmbedding.Source.REVIEWS)
        if len(texts.get(key, "")) < REVIEW_TEXT_CHARS:
            texts[key] = (texts.get(key, "") + " " + body.replace("<br />", " ")).strip()[:REVIEW_TEXT_CHARS]
    return texts


def texts_embed(*, film_ids: list[int] | None = None, batch_size: int = 128, progress: Progress = no_progress):
    """Embed every film text that is new or changed since it was embedded; safe to re-run."""
    encoder = text_encoder()
    texts = film_texts(film_ids)
    existing = {
        (film_id, source): (text_hash, model_name)
        for film_id, source, text_hash, model_name in FilmTextEmbedding.objects.values_list(
            "film_id", "source", "text_hash", "model_name"
        )
    }
    pending = []
    for key, text in texts.items():
        text_hash = hashlib.sha256(text.encode()).hexdigest()
        if existing.get(key) != (text_hash, encoder.name):
            pending.append((key, text, text_hash))
    result = BatchResult(skipped=len(texts) - len(pending))
    for start in range(0, len(pending), batch_size):
        chunk = pending[start : start + batch_size]
        vectors = encoder.embed([text for _, text, _ in chunk])
        rows = [
            FilmTextEmbedding(
                film_id=film_id,
                source=source,
                text_hash=text_hash,
                snippet=text[:300],
                model_name=encoder.name,
                vector=vector,
            )
            for ((film_id, source), text, text_hash), vector in zip(chunk, vectors, strict=True)
        ]
        FilmTextEmbedding.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["film", "source"],
            update_fields=["text_hash", "snippet", "model_name", "vector", "updated_at"],
        )
        result.done += len(rows)
        progress("text embeddings", min(start + batch_size, len(pending)), len(pending))
    return result


# --- video -------------------------------------------------------------------------------------------------
class VideoError(ValueError):
    """A video that cannot be read."""


def _frame_histogram(rgb: np.ndarray) -> np.ndarray:
    # A coarse 8x8x8 colour histogram of a small thumbnail: robust to motion, sensitive to cuts.
    bins = (rgb // 32).astype(np.int64)
    index = bins[..., 0] * 64 + bins[..., 1] * 8 + bins[..., 2]
    histogram = np.bincount(index.ravel(), minlength=512).astype(np.float32)
    return histogram / histogram.sum()


def video_scene_frames(
    path: str, *, sample_every: float = 0.5, threshold: float = 0.5, max_frames: int = 24
) -> list[tuple[float, bytes, tuple[int, int]]]:
    """Frames at scene changes: sample every `sample_every` seconds, keep a frame whose colour histogram
    differs from the previous sample by more than `threshold` (L1, 0..2).

    Returns (seconds, JPEG bytes, (width, height)) per kept frame."""
    import av

    frames: list[tuple[float, bytes, tuple[int, int]]] = []
    previous: np.ndarray | None = None
    next_sample = 0.0
    try:
        with av.open(path) as container:
            if not container.streams.video:
                raise VideoError("the file has no video stream")
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                seconds = float(frame.time) if frame.time is not None else next_sample
                if seconds < next_sample:
                    continue
                next_sample = seconds + sample_every
                image = frame.to_image()
                histogram = _frame_histogram(np.asarray(image.resize((64, 36))))
                if previous is None or np.abs(histogram - previous).sum() > threshold:
                    buffer = io.BytesIO()
                    image.convert("RGB").save(buffer, "JPEG", quality=88)
                    frames.append((round(seconds, 3), buffer.getvalue(), image.size))
                    if len(frames) >= max_frames:
                        break
                previous = histogram
    except VideoError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as error:
        raise VideoError(f"cannot read video {path}: {error}") from error
    if not frames:
        raise VideoError(f"no frames could be decoded from {path}")
    return frames


def video_ingest(*, film: Film, path: str, **options) -> list[FilmImage]:
    """Store a video's scene-change frames as the film's "frame" images; all or nothing, re-runnable."""
    frames = video_scene_frames(path, **options)
    created: list[FilmImage] = []
    with transaction.atomic():
        for seconds, jpeg, (width, height) in frames:
            content_hash = hashlib.sha256(jpeg).hexdigest()
            if FilmImage.objects.filter(film=film, content_hash=content_hash).exists():
                continue
            image = FilmImage(
                film=film,
                kind=FilmImage.Kind.FRAME,
                content_hash=content_hash,
                source=f"{path}#t={seconds}",
                timestamp_seconds=seconds,
            )
            image.file.save(f"{content_hash}.jpg", ContentFile(jpeg), save=False)
            image.width, image.height = width, height  # assigning the file resets them
            image.save()
            created.append(image)
    return created


# --- change markers ------------------------------------------------------------------------------------------

# The rows of backends that have gone fold into one row per topic (backend 0) with a fresh sequence value: the
# topic's maximum then exceeds every value seen before, so every cache keyed on it is rebuilt once, never
# mistaken for an older state, and the table stays as small as the number of live connections.
_CHANGE_MARKERS_COMPACT_SQL = """
WITH gone AS (
    DELETE FROM aesthetics_change AS marker
    WHERE marker.backend <> 0 AND NOT EXISTS (SELECT 1 FROM pg_stat_activity AS a WHERE a.pid = marker.backend)
    RETURNING marker.topic
)
INSERT INTO aesthetics_change (topic, backend, change)
SELECT topic, 0, nextval('aesthetics_change_seq') FROM (SELECT DISTINCT topic FROM gone) AS topics
ON CONFLICT (topic, backend) DO UPDATE SET change = EXCLUDED.change
"""


def change_markers_compact() -> int:
    """Fold the change markers of closed database connections (migration 0003 keeps a row per writing
    backend, so workers that come and go would grow the table that every vibe search reads); the number of
    rows folded."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM aesthetics_change WHERE backend <> 0")
        before = cursor.fetchone()[0]
        cursor.execute(_CHANGE_MARKERS_COMPACT_SQL)
        cursor.execute("SELECT count(*) FROM aesthetics_change WHERE backend <> 0")
        return before - cursor.fetchone()[0]
