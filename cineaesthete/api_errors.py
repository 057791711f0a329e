"""The API's exception handler: domain errors become the same 400 bodies as DRF's own validation errors."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Services raise Django's ``ValidationError`` for values they refuse (wrong stars, a film not in the
    list, liking one's own review); in the API that is the client's mistake, so a 400 with the messages."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
