from __future__ import annotations

from rest_framework import serializers

from catalog.models import Credit, Film, Genre, Person


class GenreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Genre
        fields = ["id", "name", "slug"]


class FilmSerializer(serializers.ModelSerializer):
    genres = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug")
    poster_url = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Film
        fields = ["id", "title", "year", "genres", "rating_count", "rating_mean", "poster_url", "url"]

    def get_poster_url(self, film: Film) -> str | None:
        return film.poster.file.url if film.poster_id and film.poster else None


class CreditSerializer(serializers.ModelSerializer):
    person = serializers.CharField(source="person.name")
    person_id = serializers.IntegerField()

    class Meta:
        model = Credit
        fields = ["person_id", "person", "role", "character", "order"]


class FilmDetailSerializer(FilmSerializer):
    credits = CreditSerializer(many=True, read_only=True)

    class Meta(FilmSerializer.Meta):
        fields = [
            *FilmSerializer.Meta.fields,
            "original_title",
            "release_date",
            "runtime_minutes",
            "certificate",
            "plot",
            "language",
            "imdb_id",
            "tmdb_id",
            "movielens_id",
            "credits",
        ]


class PersonSerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Person
        fields = ["id", "name", "imdb_id", "url"]
