"""REST API for a member's ratings, diary, reviews, watchlist and lists. Every write calls reviews.services.

A service's ValidationError becomes a 400 through the API's exception handler (cineaesthete.api_errors).
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog.models import Film
from cineaesthete.validation import MAX_ID, clean_query, parse_optional_id
from reviews import selectors, services
from reviews.models import DiaryEntry, FilmList, FilmListEntry, Rating, Review, WatchlistEntry

from .serializers import (
    DiaryEntrySerializer,
    FilmListSerializer,
    ListEntryWriteSerializer,
    RatingSerializer,
    RatingWriteSerializer,
    ReorderSerializer,
    ReviewSerializer,
    ReviewUpdateSerializer,
    WatchlistEntrySerializer,
)


class IsAuthor(permissions.BasePermission):
    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in permissions.SAFE_METHODS or obj.user_id == request.user.pk


class RatingViewSet(viewsets.GenericViewSet, mixins.ListModelMixin):
    """The signed-in member's ratings. POST sets stars/like/aspects; DELETE /{film_id}/ clears stars."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = RatingSerializer
    queryset = Rating.objects.none()  # for the schema; get_queryset picks the member's rows
    lookup_field = "film_id"
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Rating]:
        return Rating.objects.filter(user=self.request.user).select_related("film").order_by("-updated_at", "-id")

    @extend_schema(request=RatingWriteSerializer, responses={200: RatingSerializer, 204: None})
    def create(self, request):
        data = RatingWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        film = values["film"]
        aspects = {name: values[name] for name in Rating.ASPECTS if name in values}
        if "stars" in values:
            services.rating_set(user=request.user, film=film, stars=values["stars"], aspects=aspects or None)
        elif aspects:
            services.rating_aspects_set(user=request.user, film=film, aspects=aspects)
        if "liked" in values:
            services.like_set(user=request.user, film=film, liked=values["liked"])
        rating = Rating.objects.filter(user=request.user, film=film).select_related("film").first()
        if rating is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(RatingSerializer(rating).data, status=status.HTTP_200_OK)

    def destroy(self, request, film_id=None):
        film = get_object_or_404(Film, pk=film_id)
        services.rating_clear(user=request.user, film=film)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DiaryViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin):
    """The signed-in member's diary."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = DiaryEntrySerializer
    queryset = DiaryEntry.objects.none()

    def get_queryset(self) -> QuerySet[DiaryEntry]:
        return DiaryEntry.objects.filter(user=self.request.user).select_related("film").order_by("-watched_on", "-id")

    def create(self, request):
        data = DiaryEntrySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        entry = services.diary_log(
            user=request.user,
            film=values["film"],
            watched_on=values["watched_on"],
            rewatch=values.get("rewatch", False),
            stars=values.get("stars"),
            liked=values.get("liked", False),
            tags=values.get("tags", []),
            review_text=values.get("review_text", ""),
            contains_spoilers=values.get("contains_spoilers", False),
            # Left out, the member's default. (DRF reads a boolean missing from a form-encoded body as False,
            # so ask the body itself whether the client chose.)
            is_private=values.get("is_private") if "is_private" in request.data else None,
        )
        return Response(DiaryEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, entry: DiaryEntry) -> None:
        services.diary_delete(entry=entry)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("film", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, description="A film's id"),
            OpenApiParameter("author", str, description="A member's username"),
        ]
    )
)
class ReviewViewSet(viewsets.ModelViewSet):
    """Reviews: anyone reads; members write; only the author edits or deletes."""

    serializer_class = ReviewSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, IsAuthor]
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Review]:
        reviews = selectors.visible_reviews(viewer=self.request.user)
        reviews = reviews.select_related("film", "user").order_by("-created_at", "-id")
        if self.action != "list":
            return reviews
        params = self.request.query_params
        if (film_id := parse_optional_id(params.get("film"), name="film")) is not None:
            reviews = reviews.filter(film_id=film_id)
        if author := clean_query(params.get("author")):
            reviews = reviews.filter(user__username=author)
        return reviews

    def perform_create(self, serializer) -> None:
        values = serializer.validated_data
        serializer.instance = services.review_create(
            user=self.request.user,
            film=values["film"],
            text=values["text"],
            contains_spoilers=values.get("contains_spoilers", False),
        )

    @extend_schema(request=ReviewUpdateSerializer)
    def update(self, request, *args, **kwargs):
        review = self.get_object()
        # Fields left out keep their value (PUT and PATCH alike); a body that is not an object is a 400.
        data = ReviewUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.review_update(
            review=review,
            text=values.get("text", review.text),
            contains_spoilers=values.get("contains_spoilers", review.contains_spoilers),
        )
        return Response(ReviewSerializer(review).data)

    def perform_destroy(self, review: Review) -> None:
        services.review_delete(review=review)

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def like(self, request, pk=None):
        review = selectors.review_for_viewer(viewer=request.user, review_id=pk)
        liked = services.review_like_toggle(user=request.user, review=review)
        return Response({"liked": liked, "like_count": review.like_count})


class WatchlistViewSet(viewsets.GenericViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The signed-in member's watchlist, addressed by film id."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = WatchlistEntrySerializer
    queryset = WatchlistEntry.objects.none()
    lookup_field = "film_id"
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[WatchlistEntry]:
        return WatchlistEntry.objects.filter(user=self.request.user).select_related("film").order_by("-added_at")

    def create(self, request):
        data = WatchlistEntrySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        entry = services.watchlist_add(
            user=request.user,
            film=values["film"],
            priority=values.get("priority", WatchlistEntry.Priority.NORMAL),
            note=values.get("note", ""),
            note_public=values.get("note_public"),
        )
        return Response(WatchlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, film_id=None):
        entry = self.get_object()
        data = WatchlistEntrySerializer(entry, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.watchlist_update(
            entry=entry,
            priority=values.get("priority", entry.priority),
            note=values.get("note", entry.note),
            note_public=values.get("note_public"),
        )
        return Response(WatchlistEntrySerializer(entry).data)

    def destroy(self, request, film_id=None):
        entry = self.get_object()
        services.watchlist_remove(user=request.user, film=entry.film)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("owner", str, description="A member's username")]))
class FilmListViewSet(viewsets.ModelViewSet):
    """Lists: public ones for everyone, private ones for their owner only (404 for others)."""

    serializer_class = FilmListSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, IsAuthor]
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[FilmList]:
        visible = Q(is_public=True, is_hidden=False)
        if self.request.user.is_authenticated:
            visible |= Q(user=self.request.user)
        lists = FilmList.objects.filter(visible).select_related("user").order_by("-updated_at", "-id")
        if owner := clean_query(self.request.query_params.get("owner")):
            lists = lists.filter(user__username=owner)
        return lists.prefetch_related(
            Prefetch("entries", FilmListEntry.objects.select_related("film").order_by("position", "id"))
        )

    def perform_create(self, serializer) -> None:
        values = serializer.validated_data
        serializer.instance = services.list_create(
            user=self.request.user,
            title=values["title"],
            description=values.get("description", ""),
            is_public=values.get("is_public", True),
        )

    def perform_update(self, serializer) -> None:
        film_list = serializer.instance
        values = serializer.validated_data
        services.list_update(
            film_list=film_list,
            title=values.get("title", film_list.title),
            description=values.get("description", film_list.description),
            is_public=values.get("is_public", film_list.is_public),
        )

    def perform_destroy(self, film_list: FilmList) -> None:
        services.list_delete(film_list=film_list)

    def _own_list(self, pk) -> FilmList:
        return selectors.list_for_owner(user=self.request.user, list_id=int(pk))

    @extend_schema(request=ListEntryWriteSerializer, responses=FilmListSerializer)
    @action(detail=True, methods=["post", "delete"], permission_classes=[permissions.IsAuthenticated])
    def entries(self, request, pk=None):
        """POST adds a film (with a note); DELETE removes it."""
        film_list = self._own_list(pk)
        data = ListEntryWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if request.method == "POST":
            services.list_add(
                film_list=film_list,
                film=data.validated_data["film"],
                note=data.validated_data["note"],
            )
        else:
            services.list_remove(film_list=film_list, film=data.validated_data["film"])
        return Response(FilmListSerializer(self.get_queryset().get(pk=film_list.pk)).data)

    @extend_schema(request=ReorderSerializer, responses=FilmListSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def reorder(self, request, pk=None):
        film_list = self._own_list(pk)
        data = ReorderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.list_reorder(film_list=film_list, film_ids=data.validated_data["films"])
        return Response(FilmListSerializer(self.get_queryset().get(pk=film_list.pk)).data)
