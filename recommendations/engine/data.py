"""Ratings as arrays: loading MovieLens files and building the user×item matrix."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp


@dataclass
class RatingLog:
    """Parallel arrays, one entry per rating; ids are external (MovieLens ids, member ids, film ids)."""

    user_ids: np.ndarray
    item_ids: np.ndarray
    stars: np.ndarray
    timestamps: np.ndarray

    def __len__(self) -> int:
        return len(self.user_ids)

    def subset(self, mask: np.ndarray) -> RatingLog:
        return RatingLog(self.user_ids[mask], self.item_ids[mask], self.stars[mask], self.timestamps[mask])


def load_ratings_file(path: str | Path) -> RatingLog:
    """Read ML-1M/10M ``ratings.dat`` (``u::i::r::t``) or a MovieLens ``ratings.csv`` (header row)."""
    path = Path(path)
    if path.suffix == ".dat":
        raw = _read_dat(path)
        return RatingLog(
            raw[:, 0].astype(np.int64),
            raw[:, 1].astype(np.int64),
            raw[:, 2].astype(np.float32),
            raw[:, 3].astype(np.int64),
        )
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        columns = {name.strip().lower(): index for index, name in enumerate(header)}
        rows = list(reader)
    user = [int(row[columns.get("userid", 0)]) for row in rows]
    item = [int(row[columns.get("movieid", 1)]) for row in rows]
    stars = [float(row[columns.get("rating", 2)]) for row in rows]
    ts = [int(float(row[columns["timestamp"]])) if "timestamp" in columns else 0 for row in rows]
    return RatingLog(np.array(user), np.array(item), np.array(stars, dtype=np.float32), np.array(ts))


def _read_dat(path: Path) -> np.ndarray:
    text = path.read_bytes().replace(b"::", b",")
    return np.loadtxt(text.splitlines(), delimiter=",", dtype=np.float64, ndmin=2)


@dataclass
class IndexMap:
    """External ids ↔ dense 0..n-1 indices."""

    ids: np.ndarray

    def __post_init__(self) -> None:
        self.ids = np.asarray(self.ids, dtype=np.int64)
        self._lookup = {int(value): index for index, value in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)

    def index(self, external_id: int) -> int | None:
        return self._lookup.get(int(external_id))

    def indices(self, external_ids) -> np.ndarray:
        """Dense indices, -1 for ids the map does not know."""
        return np.array([self._lookup.get(int(value), -1) for value in external_ids], dtype=np.int64)


def build_matrix(
    user_index: np.ndarray, item_index: np.ndarray, values: np.ndarray, *, shape: tuple[int, int]
) -> sp.csr_matrix:
    matrix = sp.csr_matrix(
        (np.asarray(values, dtype=np.float32), (np.asarray(user_index), np.asarray(item_index))), shape=shape
    )
    matrix.sum_duplicates()
    return matrix


def densify(log: RatingLog) -> tuple[IndexMap, IndexMap, np.ndarray, np.ndarray]:
    """Index maps for the users and items in ``log`` and each rating's dense (user, item) indices."""
    users, user_index = np.unique(log.user_ids, return_inverse=True)
    items, item_index = np.unique(log.item_ids, return_inverse=True)
    return IndexMap(users), IndexMap(items), user_index, item_index
