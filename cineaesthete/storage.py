"""File storage for what must never be served: members' uploads that hold their whole history."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files under ``PRIVATE_ROOT`` (outside ``MEDIA_ROOT``): readable by the process, reachable by no URL."""

    @property
    def base_location(self) -> str:
        # Read at use, not at start-up, so a test (or a command) that moves PRIVATE_ROOT is followed.
        return self._value_or_setting(self._location, settings.PRIVATE_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL.")
