"""Where a data set's files come from: a directory, a .zip (read in place), or a URL (downloaded once)."""

from __future__ import annotations

import shutil
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from cineaesthete.progress import Progress, no_progress

from .errors import IngestError

GROUPLENS_URL = "https://files.grouplens.org/datasets/movielens/{name}.zip"
# Short names accepted in place of a path or URL.
GROUPLENS_DATASETS = {
    "ml-100k",
    "ml-1m",
    "ml-10m",
    "ml-20m",
    "ml-25m",
    "ml-32m",
    "ml-latest",
    "ml-latest-small",
}


@dataclass
class DataSource:
    """A set of files found by their base name, wherever they sit inside the directory or zip."""

    location: Path
    _zip: zipfile.ZipFile | None = field(default=None, repr=False)
    _members: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, location: str | Path) -> DataSource:
        path = Path(location)
        if path.is_dir():
            members = {}
            # Shallowest first, so "ml-1m/ratings.dat" wins over a copy deeper down.
            for child in sorted(path.rglob("*"), key=lambda p: (len(p.parts), str(p))):
                if child.is_file():
                    members.setdefault(child.name.lower(), str(child.relative_to(path)))
            return cls(location=path, _members=members)
        if path.is_file() and zipfile.is_zipfile(path):
            archive = zipfile.ZipFile(path)
            members = {}
            for info in sorted(archive.infolist(), key=lambda i: (i.filename.count("/"), i.filename)):
                if not info.is_dir() and "__MACOSX" not in info.filename:
                    members.setdefault(info.filename.rsplit("/", 1)[-1].lower(), info.filename)
            return cls(location=path, _zip=archive, _members=members)
        if path.is_file():
            # A single file (e.g. --links links.csv): a source holding just that file.
            return cls(location=path.parent, _members={path.name.lower(): path.name})
        raise IngestError("no such file or directory", file=str(path))

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def has(self, name: str) -> bool:
        return name.lower() in self._members

    def label(self, name: str) -> str:
        """How to name a member in messages: the real path, or archive.zip:member."""
        member = self._members[name.lower()]
        return f"{self.location}:{member}" if self._zip is not None else str(self.location / member)

    def size(self, name: str) -> int:
        member = self._members[name.lower()]
        if self._zip is not None:
            return self._zip.getinfo(member).file_size
        return (self.location / member).stat().st_size

    @contextmanager
    def open_binary(self, name: str) -> Iterator[BinaryIO]:
        member = self._members[name.lower()]
        if self._zip is not None:
            with self._zip.open(member) as stream:
                yield stream  # type: ignore[misc]
        else:
            with open(self.location / member, "rb", buffering=1 << 20) as stream:
                yield stream


def resolve_location(location: str, *, download_dir: Path, progress: Progress = no_progress) -> Path:
    """A local path for ``location``: itself, or the downloaded copy of a URL or a GroupLens short name."""
    if location.lower() in GROUPLENS_DATASETS and not Path(location).exists():
        location = GROUPLENS_URL.format(name=location.lower())
    if location.startswith(("http://", "https://")):
        return download(location, download_dir=download_dir, progress=progress)
    return Path(location)


def download(url: str, *, download_dir: Path, progress: Progress = no_progress) -> Path:
    """Download ``url`` into ``download_dir`` once; an interrupted download resumes where it stopped.
    ``progress`` hears stage "download" in bytes (a total of 0 when the server does not say the size)."""
    name = url.rstrip("/").rsplit("/", 1)[-1] or "download"
    target = download_dir / name
    if target.exists():
        return target
    download_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    done = partial.stat().st_size if partial.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "CineAesthete ingest"})
    if done:
        request.add_header("Range", f"bytes={done}-")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            if done and response.status != 206:
                done = 0  # the server ignored the range: start over
            length = response.headers.get("Content-Length")
            total = done + int(length) if length else 0
            with open(partial, "ab" if done else "wb") as out:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
                    done += len(chunk)
                    progress("download", done, total)
    except OSError as error:
        raise IngestError(f"download failed ({error}); run again to resume", file=url) from error
    shutil.move(partial, target)
    return target
