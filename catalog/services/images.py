"""Film images from a folder of files named by a film id: checked, stored once by content, made posters."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction

from cineaesthete.progress import Progress, no_progress

from ..ingest.errors import IngestError
from ..ingest.images import IMAGE_EXTENSIONS, CheckedImage, InvalidImage, check_image, external_id_from_name
from ..models import Film, FilmImage, film_image_path

IMAGE_KEYS = {"movielens": "movielens_id", "imdb": "imdb_id", "tmdb": "tmdb_id"}

# Called with the ids of newly stored images (after their transaction commits): the aesthetics app registers
# one from its AppConfig.ready() that queues their analysis, so backdrops from TMDb reach vibe search like
# posters do. The catalogue cannot import that app (layers), hence the registry.
IdsListener = Callable[[list[int]], None]
_images_added_listeners: list[IdsListener] = []
_film_texts_changed_listeners: list[IdsListener] = []


def images_added_listener_register(listener: IdsListener) -> None:
    if listener not in _images_added_listeners:
        _images_added_listeners.append(listener)


def film_texts_changed_listener_register(listener: IdsListener) -> None:
    """For films whose plot, keywords or titles changed (TMDb sync): aesthetics embeds their texts, which
    also gives a new film content-based similar films and cold-start recommendations at once."""
    if listener not in _film_texts_changed_listeners:
        _film_texts_changed_listeners.append(listener)


def images_added(*, image_ids: list[int]) -> None:
    """Tell the listeners about new images once the current transaction (if any) commits."""
    _tell(_images_added_listeners, image_ids)


def film_texts_changed(*, film_ids: list[int]) -> None:
    _tell(_film_texts_changed_listeners, film_ids)


def _tell(listeners: list[IdsListener], ids: list[int]) -> None:
    if ids:
        for listener in listeners:
            transaction.on_commit(lambda listener=listener: listener(list(ids)))


@dataclass
class ImagesSummary:
    files: int = 0
    stored: int = 0
    duplicates: int = 0
    no_film: int = 0
    posters_set: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def film_images_ingest(
    *,
    directory: Path,
    key: str,
    kind: str,
    limit: int | None = None,
    progress: Progress = no_progress,
) -> ImagesSummary:
    """Store the images of ``directory`` (named by the films' ``key`` ids) as FilmImages of ``kind``.

    Each file must decode and respect IMAGE_MAX_PIXELS / IMAGE_MAX_SIDE; bad files are reported in the
    summary and skipped. Files are stored once by content hash; an image a film already has is skipped.
    A film without a poster gets the first poster stored for it."""
    if key not in IMAGE_KEYS:
        raise IngestError(f"unknown key {key!r} (use one of {', '.join(IMAGE_KEYS)})")
    if kind not in FilmImage.Kind.values:
        raise IngestError(f"unknown kind {kind!r} (use one of {', '.join(FilmImage.Kind.values)})")
    if not directory.is_dir():
        raise IngestError("not a directory", file=str(directory))
    started = time.monotonic()
    summary = ImagesSummary()
    max_pixels = getattr(settings, "IMAGE_MAX_PIXELS", 50_000_000)
    max_side = getattr(settings, "IMAGE_MAX_SIDE", 20_000)

    files = sorted(
        (path for path in directory.iterdir() if path.suffix.lower() in IMAGE_EXTENSIONS and path.is_file()),
        key=lambda path: (len(path.stem), path.name),
    )
    if limit is not None:
        files = files[:limit]
    summary.files = len(files)
    wanted_ids = {path: external_id_from_name(path, key=key) for path in files}
    field_name = IMAGE_KEYS[key]
    film_by_external = dict(
        Film.objects.filter(**{f"{field_name}__in": {v for v in wanted_ids.values() if v is not None}}).values_list(
            field_name, "id"
        )
    )
    known = set(FilmImage.objects.filter(film_id__in=film_by_external.values()).values_list("film_id", "content_hash"))
    new_images: list[FilmImage] = []
    for done, path in enumerate(files, start=1):
        film_id = film_by_external.get(wanted_ids[path])
        if film_id is None:
            summary.no_film += 1
        else:
            try:
                checked = check_image(path.read_bytes(), max_pixels=max_pixels, max_side=max_side)
            except (InvalidImage, OSError) as error:
                summary.rejected.append((str(path), str(error)))
            else:
                if (film_id, checked.content_hash) in known:
                    summary.duplicates += 1
                else:
                    known.add((film_id, checked.content_hash))
                    new_images.append(image_store(film_id=film_id, kind=kind, checked=checked, source=str(path)))
        if done % 200 == 0 or done == len(files):
            progress("images", done, len(files))

    with transaction.atomic():
        FilmImage.objects.bulk_create(new_images, batch_size=1000)
        summary.stored = len(new_images)
        if kind == FilmImage.Kind.POSTER:
            summary.posters_set = posters_fill(film_ids={image.film_id for image in new_images})
    summary.seconds = time.monotonic() - started
    return summary


def image_store(*, film_id: int, kind: str, checked: CheckedImage, source: str) -> FilmImage:
    """Write the bytes under MEDIA_ROOT (once per content hash) and return the unsaved FilmImage."""
    image = FilmImage(
        film_id=film_id,
        kind=kind,
        content_hash=checked.content_hash,
        width=checked.width,
        height=checked.height,
        source=source[:300],
    )
    name = film_image_path(image, f"image.{checked.extension}")
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(checked.content))
    image.file.name = name
    return image


def posters_fill(*, film_ids: Iterable[int] | None = None) -> int:
    """Give films without a poster their first poster image; return how many films got one."""
    ids = None if film_ids is None else list(film_ids)
    if ids is not None and not ids:
        return 0
    film_table, image_table = Film._meta.db_table, FilmImage._meta.db_table
    only = "AND f.id = ANY(%s)" if ids is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {film_table} f SET poster_id = first.id
              FROM (SELECT DISTINCT ON (film_id) film_id, id FROM {image_table}
                     WHERE kind = %s ORDER BY film_id, id) first
             WHERE first.film_id = f.id AND f.poster_id IS NULL {only}
            """,
            [FilmImage.Kind.POSTER, ids] if ids is not None else [FilmImage.Kind.POSTER],
        )
        return cursor.rowcount
