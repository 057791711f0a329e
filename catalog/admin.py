from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from .models import AlternativeTitle, Credit, Film, FilmImage, Genre, Person, StaffPick, StaffPickList, WatchProvider


class DecadeFilter(admin.SimpleListFilter):
    title = "decade"
    parameter_name = "decade"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(str(decade), f"{decade}s") for decade in range(1910, 2030, 10)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Film]) -> QuerySet[Film]:
        if self.value() and self.value().isdigit():
            decade = int(self.value())
            return queryset.filter(year__gte=decade, year__lt=decade + 10)
        return queryset


class AlternativeTitleInline(admin.TabularInline):
    model = AlternativeTitle
    extra = 0
    fields = ["title", "source", "country"]


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["role", "person", "character", "order"]
    ordering = ["role", "order"]


class FilmImageInline(admin.TabularInline):
    model = FilmImage
    extra = 0
    fields = ["preview", "kind", "file", "width", "height", "source", "timestamp_seconds"]
    readonly_fields = ["preview", "width", "height"]

    @admin.display(description="Image")
    def preview(self, image: FilmImage) -> str:
        if not image.file:
            return "—"
        return format_html('<img src="{}" style="height:90px;width:auto" alt="">', image.file.url)


@admin.register(Film)
class FilmAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "certificate", "rating_count", "rating_mean_display", "has_poster"]
    ordering = ["sort_title", "id"]
    list_filter = ["genres", DecadeFilter, "certificate"]
    search_fields = ["title", "original_title", "alternative_titles__title", "imdb_id", "=movielens_id", "=tmdb_id"]
    readonly_fields = ["rating_count", "rating_mean", "created_at", "updated_at"]
    raw_id_fields = ["poster"]
    filter_horizontal = ["genres"]
    inlines = [AlternativeTitleInline, CreditInline, FilmImageInline]
    fieldsets = [
        (None, {"fields": ["title", "original_title", "year", "release_date", "runtime_minutes", "certificate"]}),
        ("Description", {"fields": ["plot", "language", "genres", "poster"]}),
        ("External ids", {"fields": ["movielens_id", "imdb_id", "tmdb_id"]}),
        ("Ratings (computed from members' ratings)", {"fields": ["rating_count", "rating_mean"]}),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    @admin.display(description="Mean", ordering="rating_mean")
    def rating_mean_display(self, film: Film) -> str:
        return f"{film.rating_mean:.2f}" if film.rating_mean is not None else "—"

    @admin.display(description="Poster", boolean=True)
    def has_poster(self, film: Film) -> bool:
        return film.poster_id is not None


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "imdb_id"]
    search_fields = ["name", "name_key", "imdb_id"]
    readonly_fields = ["name_key"]


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class StaffPickInline(admin.TabularInline):
    model = StaffPick
    extra = 1
    autocomplete_fields = ["film"]
    fields = ["film", "position", "note"]


@admin.register(StaffPickList)
class StaffPickListAdmin(admin.ModelAdmin):
    """How staff curate the home page: featured lists appear there in `position` order."""

    list_display = ["title", "is_featured", "position", "created_at"]
    list_editable = ["is_featured", "position"]
    list_filter = ["is_featured"]
    search_fields = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [StaffPickInline]


@admin.register(WatchProvider)
class WatchProviderAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "display_priority")
    search_fields = ("name",)
