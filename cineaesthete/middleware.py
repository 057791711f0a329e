"""Request checks that hold for every page and API endpoint."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from .validation import has_nul


class RejectNulMiddleware:
    """A NUL character in the path or the query string is refused with a 400 before any view runs.

    No URL of the site means anything with one, and PostgreSQL refuses NUL in text, so a view that passes a
    path segment or a filter to a query would otherwise fail with a 500. Bodies are checked where they are
    parsed (forms, serializers and ``cineaesthete.validation.clean_text``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.GET.lists()
        if has_nul(request.path) or any(has_nul(key) or any(map(has_nul, values)) for key, values in query):
            message = "A NUL character is not allowed in a URL."
            if request.path.startswith("/api/"):  # the API's error shape everywhere under /api/
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)
