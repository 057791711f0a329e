"""The signed-in member's recommendations in the REST API: the same selector as the recommendations page."""

from __future__ import annotations

import math

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Genre
from recommendations.selectors import member_recommendations
from reviews.api.serializers import FilmRefSerializer
from reviews.sentiment.emotions import MOODS

MAX_LIMIT = 100
# The page's modes; "diverse" is the accurate mode with the diversity dial.
MODES = ("accurate", "gems", "surprise")


class RecommendationQuerySerializer(serializers.Serializer):
    """Query parameters: a bad value is a 400 naming the parameter, never a silent default."""

    mode = serializers.ChoiceField(choices=list(MODES), default="accurate", help_text="How to rank.")
    diversity = serializers.FloatField(
        min_value=0.0, max_value=1.0, required=False, help_text="0 = most accurate, 1 = most varied."
    )
    mood = serializers.ChoiceField(
        choices=list(MOODS), required=False, help_text="Only films whose reviews read this way."
    )
    genre = serializers.SlugField(max_length=50, required=False, help_text="A genre's slug, e.g. film-noir.")
    decade = serializers.IntegerField(min_value=1870, max_value=2090, required=False, help_text="e.g. 1990.")
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=20)

    def validate(self, attrs: dict) -> dict:
        # DRF reads an empty query parameter as a missing one; the schema says it is no valid value, so say so.
        empty = [name for name in self.fields if self.initial_data.get(name) == ""]
        if empty:
            raise serializers.ValidationError({name: "Leave the parameter out rather than empty." for name in empty})
        return attrs

    def validate_diversity(self, value: float) -> float:
        if not math.isfinite(value):
            raise serializers.ValidationError("Must be a number from 0 to 1.")
        return value

    def validate_genre(self, value: str) -> str:
        if not Genre.objects.filter(slug=value).exists():
            raise serializers.ValidationError("No such genre.")
        return value

    def validate_decade(self, value: int) -> int:
        if value % 10:
            raise serializers.ValidationError("A decade is a year ending in 0, e.g. 1990.")
        return value


class RecommendationSerializer(serializers.Serializer):
    film = FilmRefSerializer()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class RecommendationListSerializer(serializers.Serializer):
    source = serializers.ChoiceField(
        choices=["model", "cold-start", "popular"],
        help_text="model: your ratings; cold-start: few ratings, content similarity blended in; popular: no model.",
    )
    model_version = serializers.IntegerField(allow_null=True)
    liked_count = serializers.IntegerField(help_text="Films you liked that the recommendations learn from.")
    results = RecommendationSerializer(many=True)


@extend_schema(
    parameters=[RecommendationQuerySerializer],
    responses={200: RecommendationListSerializer, 400: OpenApiTypes.OBJECT},
)
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def my_recommendations(request: Request) -> Response:
    """Films for the signed-in member, with the reasons; never a film they rated, logged, listed or dismissed."""
    query = RecommendationQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    values = query.validated_data
    result = member_recommendations(
        user=request.user,
        k=values["limit"],
        mode=values["mode"],
        diversity=values.get("diversity"),
        mood=values.get("mood", ""),
        genre=values.get("genre", ""),
        decade=values.get("decade"),
    )
    return Response(
        RecommendationListSerializer(
            {
                "source": result.source,
                "model_version": result.version,
                "liked_count": result.liked_count,
                "results": [{"film": rec.film, "score": rec.score, "reasons": rec.reasons} for rec in result.items],
            }
        ).data
    )
