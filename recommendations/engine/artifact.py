"""The model artifact: one .npz file, written atomically and verified by checksum before it serves."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from .confidence import ConfidenceParams
from .recommender import BlendParams, Recommender

FORMAT = 1


class ArtifactError(Exception):
    """The artifact is missing, truncated, tampered with or of an unknown format."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save(recommender: Recommender, path: Path, *, extra: dict[str, np.ndarray] | None = None) -> str:
    """Write to a temporary file, fsync, rename into place; returns the file's SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "format": FORMAT,
        "regularization": recommender.regularization,
        "confidence": vars(recommender.confidence),
        "blend": recommender.blend.as_dict(),
    }
    arrays = {
        "item_ids": recommender.item_ids.astype(np.int64),
        "item_factors": recommender.item_factors.astype(np.float32),
        "popularity": recommender.popularity.astype(np.float32),
        "quality": recommender.quality.astype(np.float32),
        "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
        **(extra or {}),
    }
    if recommender.ease is not None:
        arrays["ease"] = recommender.ease.astype(np.float32)
    if recommender.exposure is not None:
        arrays["exposure"] = recommender.exposure.astype(np.float32)
    for name in ("item_factors", "popularity", "quality", "ease", "exposure"):
        if name in arrays and not np.isfinite(arrays[name]).all():
            # A NaN here (a like without stars read as NaN, once) silently disables filters downstream.
            raise ArtifactError(f"refusing to write a model whose {name} contains NaN or infinite values")
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as handle:
        np.savez(handle, **arrays)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return sha256_of(path)


def load(path: Path, *, checksum: str | None = None) -> tuple[Recommender, dict[str, np.ndarray]]:
    """Read and check an artifact; raises ArtifactError for anything that is not a complete, known model."""
    if not path.is_file():
        raise ArtifactError(f"model file {path} is missing")
    if checksum and sha256_of(path) != checksum:
        raise ArtifactError(f"model file {path} does not match its recorded checksum")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        meta = json.loads(arrays.pop("meta").tobytes().decode())
    except Exception as error:  # a truncated zip raises several kinds of errors
        raise ArtifactError(f"model file {path} is unreadable: {error}") from error
    if meta.get("format") != FORMAT:
        raise ArtifactError(f"model file {path} has unknown format {meta.get('format')!r}")
    factors = arrays.pop("item_factors")
    item_ids = arrays.pop("item_ids")
    if factors.ndim != 2 or len(factors) != len(item_ids) or not np.isfinite(factors).all():
        raise ArtifactError(f"model file {path} has inconsistent item factors")
    ease = arrays.pop("ease", None)
    if ease is not None and (ease.shape != (len(item_ids), len(item_ids)) or not np.isfinite(ease).all()):
        raise ArtifactError(f"model file {path} has inconsistent EASE weights")
    exposure = arrays.pop("exposure", None)  # absent from artifacts trained before exposure was counted
    if exposure is not None and (exposure.shape != (len(item_ids),) or not np.isfinite(exposure).all()):
        raise ArtifactError(f"model file {path} has inconsistent exposure counts")
    try:
        confidence = ConfidenceParams(**meta["confidence"])
        blend = BlendParams(**meta["blend"])
        regularization = float(meta["regularization"])
    except (KeyError, TypeError, ValueError) as error:
        # written by another version of this code (a setting it knows and we do not, or one missing)
        raise ArtifactError(f"model file {path} has settings this version cannot read: {error}") from error
    recommender = Recommender(
        item_ids=item_ids,
        item_factors=factors,
        popularity=arrays.pop("popularity").astype(np.float64),
        quality=arrays.pop("quality"),
        regularization=regularization,
        confidence=confidence,
        blend=blend,
        ease=ease,
        exposure=exposure,
    )
    return recommender, arrays
