"""The API's exception handler: domain errors become the same 400 bodies as DRF's own validation errors."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Services raise Django's ``ValidationError`` for values they refuse (wrong stars, a film not in the
    list, liking one's own review); in the API that is the client's mistake, so a 400 with the messages."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        # One shape for every 400: messages by field, the request as a whole under non_field_errors.
        response.data = {"non_field_errors": response.data}
    return response


@csrf_exempt  # nothing to protect, and a 403 from the CSRF check would hide the 404
def api_not_found(request: HttpRequest) -> JsonResponse:
    """A path under /api/ that names no endpoint: a JSON 404 like the API's own, not the site's HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)
