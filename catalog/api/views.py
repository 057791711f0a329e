"""Read-only catalogue API: films (filter by genre, year, decade; search) and people."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from catalog.models import Credit, Film, Person
from cineaesthete.validation import clean_query, parse_int

from .serializers import FilmDetailSerializer, FilmSerializer, PersonSerializer

YEAR = {"type": "integer", "minimum": -9999, "maximum": 9999}
FILM_FILTERS = [
    OpenApiParameter("genre", OpenApiTypes.STR, description="Genre slug, e.g. film-noir"),
    OpenApiParameter("year", YEAR),
    OpenApiParameter("decade", YEAR, description="e.g. 1990"),
    OpenApiParameter("q", OpenApiTypes.STR, description="Words of the title"),
    OpenApiParameter("ordering", OpenApiTypes.STR, enum=["popularity", "rating", "year", "-year", "title"]),
]
ORDERINGS = {
    "popularity": ("-rating_count", "id"),
    "rating": ("-rating_mean", "id"),
    "year": ("year", "id"),
    "-year": ("-year", "id"),
    "title": ("title", "id"),
}


def _int_param(params, name: str) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    return parse_int(value, name=name, minimum=YEAR["minimum"], maximum=YEAR["maximum"])


@extend_schema_view(list=extend_schema(parameters=FILM_FILTERS))
class FilmViewSet(viewsets.ReadOnlyModelViewSet):
    def get_serializer_class(self):
        return FilmDetailSerializer if self.action == "retrieve" else FilmSerializer

    def get_queryset(self) -> QuerySet[Film]:
        films = Film.objects.select_related("poster").prefetch_related("genres")
        if self.action == "retrieve":
            return films.prefetch_related(Prefetch("credits", Credit.objects.select_related("person")))
        params = self.request.query_params
        if genre := clean_query(params.get("genre")):
            films = films.filter(genres__slug=genre)
        if (year := _int_param(params, "year")) is not None:
            films = films.filter(year=year)
        if (decade := _int_param(params, "decade")) is not None:
            films = films.filter(year__gte=decade, year__lt=decade + 10)
        if q := clean_query(params.get("q")):
            for word in q.split()[:8]:
                films = films.filter(title__icontains=word)
        ordering = params.get("ordering") or "popularity"
        if ordering not in ORDERINGS:
            raise ValidationError({"ordering": f"One of {', '.join(ORDERINGS)}."})
        return films.order_by(*ORDERINGS[ordering])


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("q", OpenApiTypes.STR)]))
class PersonViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PersonSerializer

    def get_queryset(self) -> QuerySet[Person]:
        people = Person.objects.order_by("name", "id")
        if q := clean_query(self.request.query_params.get("q")):
            people = people.filter(name__icontains=q)
        return people
