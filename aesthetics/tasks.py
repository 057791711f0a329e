"""Embedding jobs on the "ml" queue (a GPU worker can take it): batched, idempotent, resumable; and the nightly
folding of vibe search's change markers."""

from __future__ import annotations

import dramatiq
from dramatiq_crontab import cron

from cineaesthete.core.jobs import JobProgress, job_actor, job_enqueue

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


@cron("50 4 * * *")  # nightly, in TIME_ZONE; sent by the `manage.py crontab` scheduler process
@dramatiq.actor(queue_name="default", max_retries=3)
def compact_change_markers() -> None:
    """Vibe search's change markers of closed connections folded into one row per topic (safe to repeat)."""
    services.change_markers_compact()


def images_added_analyse(image_ids: list[int]) -> None:
    """Registered with the catalogue (AestheticsConfig.ready): new images, such as backdrops from TMDb, get
    palettes and embeddings like posters. One job analyses every image still without them."""
    job_enqueue(embed_images)


def film_texts_changed_embed(film_ids: list[int]) -> None:
    """Registered with the catalogue: films whose texts TMDb changed (or that TMDb just added) get their
    text vectors, which vibe search and the recommender's content-based cold start read."""
    job_enqueue(embed_texts, film_ids=film_ids)
