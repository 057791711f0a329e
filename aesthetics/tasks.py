"""Embedding jobs on the "ml" queue (a GPU worker can take it): batched, idempotent, resumable."""

from __future__ import annotations

from cineaesthete.core.jobs import JobProgress, job_actor

from . import services


@job_actor(queue_name="ml")
def embed_images(job: JobProgress, *, palettes_only: bool = False, batch: int = 200) -> dict:
    """Palettes and measures for images without them, then CLIP embeddings when a checkpoint is set."""
    palettes = services.images_analyse(batch_size=batch, progress=job)
    result: dict = {"palettes": palettes.as_dict(), "clip": "skipped" if palettes_only else "off"}
    if not palettes_only:
        clip = services.images_embed_clip(batch_size=min(batch, 64), progress=job)
        if clip is not None:
            result["clip"] = clip.as_dict()
    return result


@job_actor(queue_name="ml")
def embed_texts(job: JobProgress, *, batch: int = 128, film_ids: list[int] | None = None) -> dict:
    """MiniLM embeddings of plots, tags and reviews that are new or changed."""
    return services.texts_embed(film_ids=film_ids, batch_size=batch, progress=job).as_dict()
