"""Serializers validate shapes; the reviews services do the writing."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from catalog.models import Film
from reviews.models import DiaryEntry, FilmList, FilmListEntry, Rating, Review, WatchlistEntry

STARS = {"max_digits": 2, "decimal_places": 1, "min_value": Decimal("0.5"), "max_value": Decimal(5), "allow_null": True}


class FilmRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Film
        fields = ["id", "title", "year"]


class RatingSerializer(serializers.ModelSerializer):
    film = FilmRefSerializer(read_only=True)

    class Meta:
        model = Rating
        fields = ["film", "stars", "liked", *Rating.ASPECTS, "is_private", "updated_at"]


class RatingWriteSerializer(serializers.Serializer):
    film = serializers.PrimaryKeyRelatedField(queryset=Film.objects.all())
    stars = serializers.DecimalField(required=False, **STARS)
    liked = serializers.BooleanField(required=False)
    story = serializers.DecimalField(required=False, **STARS)
    acting = serializers.DecimalField(required=False, **STARS)
    visuals = serializers.DecimalField(required=False, **STARS)
    music = serializers.DecimalField(required=False, **STARS)


class ReviewSerializer(serializers.ModelSerializer):
    film = FilmRefSerializer(read_only=True)
    film_id = serializers.PrimaryKeyRelatedField(queryset=Film.objects.all(), source="film", write_only=True)
    author = serializers.CharField(source="user.username", read_only=True)

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
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["stars", "like_count", "source_rating", "is_private", "created_at", "updated_at"]


class ReviewUpdateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=20000)
    contains_spoilers = serializers.BooleanField(default=False)


class DiaryEntrySerializer(serializers.ModelSerializer):
    film = FilmRefSerializer(read_only=True)
    film_id = serializers.PrimaryKeyRelatedField(queryset=Film.objects.all(), source="film", write_only=True)
    stars = serializers.DecimalField(required=False, **STARS)
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


class WatchlistEntrySerializer(serializers.ModelSerializer):
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


class FilmListSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="user.username", read_only=True)
    entries = FilmListEntrySerializer(many=True, read_only=True)

    class Meta:
        model = FilmList
        fields = ["id", "owner", "title", "slug", "description", "is_public", "entries", "created_at", "updated_at"]
        read_only_fields = ["slug", "created_at", "updated_at"]


class ListEntryWriteSerializer(serializers.Serializer):
    film = serializers.PrimaryKeyRelatedField(queryset=Film.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class ReorderSerializer(serializers.Serializer):
    films = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, max_length=10000)
