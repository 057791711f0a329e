"""Uploads capped while they stream: a body past the cap is thrown away as it arrives, never written to disk."""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest


class CappedUploadHandler(FileUploadHandler):
    """Counts an upload's bytes as they arrive and stops storing it the moment it passes the cap; the rest
    of the request is read and thrown away, so the member gets a clear answer rather than a reset.

    Install it with ``cap_uploads`` before the body is read (in a view that is ``csrf_exempt`` and checks CSRF
    itself afterwards, as the CSRF check reads the body), then look at ``exceeded``."""

    def __init__(self, request: HttpRequest, *, cap: int) -> None:
        super().__init__(request)
        self.cap = cap
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.cap:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def cap_uploads(request: HttpRequest, *, cap: int) -> CappedUploadHandler:
    """Put a capped handler first in the request's upload handlers and return it."""
    handler = CappedUploadHandler(request, cap=cap)
    request.upload_handlers.insert(0, handler)
    return handler
