"""Vibe search in the REST API: DRF's authentication and throttles apply, as on every other endpoint."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aesthetics.search import results_as_json
from aesthetics.views import _search_from_request as search_from_request  # the HTML page parses the same way

MAX_RESULTS = 100


class VibeSearch(APIView):
    """Films for a described look or feeling, picked colours, or both, with scores and reasons."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="A description, e.g. 'rain with neon reflections'"),
            OpenApiParameter("colour", str, many=True, description="Picked colours as #rrggbb (repeatable)"),
            OpenApiParameter("genre", str, description="Genre slug"),
            OpenApiParameter("decade", int, description="First year of a decade, e.g. 1990"),
            OpenApiParameter("taste", bool, description="Blend in the signed-in member's taste"),
            OpenApiParameter("k", int, description=f"Number of films, 1 to {MAX_RESULTS} (default 20)"),
        ],
        responses={
            200: OpenApiTypes.OBJECT,
            400: OpenApiResponse(description="No query or colour, or a malformed parameter"),
            429: OpenApiResponse(description="Too many requests"),
        },
    )
    def get(self, request: Request) -> Response:
        try:
            k = max(1, min(int(request.query_params.get("k", 20)), MAX_RESULTS))
        except ValueError:
            return Response({"detail": "k must be a number."}, status=status.HTTP_400_BAD_REQUEST)
        _form, results, error = search_from_request(request._request, limit=k)
        if results is None:
            detail = error or "Give q (a description) or colour (#rrggbb)."
            return Response({"detail": detail}, status=status.HTTP_400_BAD_REQUEST)
        return Response(results_as_json(results, media_url=settings.MEDIA_URL))
