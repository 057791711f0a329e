"""Writes to the catalogue, one module per pipeline.

- ``stats``: the denormalised rating statistics on films (the reviews app supplies the ratings).
- ``movielens``: the film part of a MovieLens import (the reviews app's ``reviews.movielens`` runs the whole
  import, ratings and members included).
- ``metadata``: plots, certificates and credits from a MeLU file.
- ``images``: posters and other images from a folder.

Every ingestion runs in one transaction: a malformed file raises ``IngestError`` (naming file and line) and
leaves the database as it was. Re-running an ingestion with the same files writes the same rows.
"""

from __future__ import annotations

from .images import IMAGE_KEYS, ImagesSummary, film_images_ingest, posters_fill
from .metadata import MetadataSummary, film_metadata_ingest, people_ensure
from .movielens import MovieLensFilmsSummary, genres_ensure, movielens_films_ingest
from .stats import film_stats_refresh

__all__ = [
    "IMAGE_KEYS",
    "ImagesSummary",
    "MetadataSummary",
    "MovieLensFilmsSummary",
    "film_images_ingest",
    "film_metadata_ingest",
    "film_stats_refresh",
    "genres_ensure",
    "movielens_films_ingest",
    "people_ensure",
    "posters_fill",
]
