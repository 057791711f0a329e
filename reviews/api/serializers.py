"""Serializers validate shapes; the reviews services do the writing."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Film
from cineaesthete.api_serializers import JsonTypesMixin
from reviews.models import DiaryEntry, FilmList, FilmListEntry, Rating, Review, WatchlistEntry

STARS_VALUES = [f"{n / 2:.1f}" for n in range(1, 11)]


@extend_schema_field(
    {
        "description": 'Stars: 0.5 to 5 in half steps, as a number or a string such as "3.5"; null for none.',
        "nullable": True,
        "oneOf": [
            {"type": "number", "minimum": 0.5, "maximum": 5, "multipleOf": 0.5},
            {"type": "string", "enum": STARS_VALUES},
        ],
    }
)
class StarsField(serializers.DecimalField):
    """Stars in and out of the API; the services check the half steps (``reviews.services.parse_stars``)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("allow_null", True)
        super().__init__(max_digits=2, decimal_places=1, min_value=Decimal("0.5"), max_value=Decimal(5), **kwargs)


class FilmRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Film
        fields = ["id", "title", "year"]


class RatingSerializer(serializers.ModelSerializer):
    film = FilmRefSerializer(read_only=True)
    stars = StarsField(read_only=True)
    story = StarsField(read_only=True)
    acting = StarsField(read_only=True)
    visuals = StarsField(read_only=True)
    music = StarsField(read_only=True)

    class Meta:
        model = Rating
        fields = ["film", "stars", "liked", *Rating.ASPECTS, "is_private", "updated_at"]


class RatingWriteSerializer(JsonTypesMixin, serializers.Serializer):
    film = serializers.PrimaryKeyRelatedField(queryset=Film.objects.all())
    stars = StarsField(required=False)
    liked = serializers.BooleanField(required=False)
    story = StarsField(required=False)
    acting = StarsField(required=False)
    visuals = StarsField(required=False)
    music = StarsField(required=False)


class ReviewSerializer(JsonTypesMixin, serializers.ModelSerializer):
    film = FilmRefSerializer(read_only=True)
    film_id = serializers.PrimaryKeyRelatedField(queryset=Film.objects.all(), source="film", write_only=True)
    author = serializers.CharField(source="user.username", read_only=True)
    stars = StarsField(read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "film",
            "film_id",
            "author",
            "text",
            "contains_spoilers",
            "stars",
            "like_count",
            "source_rating",
            "is_private",
            "is_hidden",
            "hidden_reason",
            "created_at",
            "updated_at",
        ]
        # Only the author ever receives a hidden review: the reason tells them why moderators hid it.
        read_only_fields = [
            "stars",
            "like_count",
            "source_rating",
            "is_private",
            "is_hidden",
            "hidden_reason",
            "created_at",
            "updated_at",
        ]


class ReviewUpdateSerializer(JsonTypesMixin, serializers.Serializer):
    text = serializers.CharField(max_length=20000)
    contains_spoilers = serializers.BooleanField(default=False)


class DiaryEntrySerializer(JsonTypesMixin, serializers.ModelSerializer):
    film = FilmRefSerializer(read_only=True)
    film_id = serializers.PrimaryKeyRelatedField(queryset=Film.objects.all(), source="film", write_only=True)
    stars = StarsField(required=False)
    review_text = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=20000)
    contains_spoilers = serializers.BooleanField(write_only=True, required=False, default=False)

    class Meta:
        model = DiaryEntry
        fields = [
            "id",
            "film",
            "film_id",
            "watched_on",
            "rewatch",
            "stars",
            "liked",
            "tags",
            "review",
            "is_private",
            "review_text",
            "contains_spoilers",
            "created_at",
        ]
        read_only_fields = ["review", "created_at"]


class WatchlistEntrySerializer(JsonTypesMixin, serializers.ModelSerializer):
    film = FilmRefSerializer(read_only=True)
    film_id = serializers.PrimaryKeyRelatedField(queryset=Film.objects.all(), source="film", write_only=True)

    class Meta:
        model = WatchlistEntry
        fields = ["film", "film_id", "priority", "note", "note_public", "added_at"]
        read_only_fields = ["added_at"]


class FilmListEntrySerializer(serializers.ModelSerializer):
    film = FilmRefSerializer(read_only=True)

    class Meta:
        model = FilmListEntry
        fields = ["film", "position", "note"]


class FilmListSerializer(JsonTypesMixin, serializers.ModelSerializer):
    owner = serializers.CharField(source="user.username", read_only=True)
    entries = FilmListEntrySerializer(many=True, read_only=True)

    class Meta:
        model = FilmList
        fields = [
            "id",
            "owner",
            "title",
            "slug",
            "description",
            "is_public",
            "is_hidden",
            "hidden_reason",
            "entries",
            "created_at",
            "updated_at",
        ]
        # Only the owner ever receives a hidden list: the reason tells them why moderators hid it.
        read_only_fields = ["slug", "is_hidden", "hidden_reason", "created_at", "updated_at"]


class ListEntryWriteSerializer(JsonTypesMixin, serializers.Serializer):
    film = serializers.PrimaryKeyRelatedField(queryset=Film.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class ReorderSerializer(JsonTypesMixin, serializers.Serializer):
    films = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, max_length=10000)
