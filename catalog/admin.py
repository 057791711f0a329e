from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from cineaesthete.core.jobs import job_enqueue

from .models import AlternativeTitle, Credit, Film, FilmImage, Genre, Person, StaffPick, StaffPickList, WatchProvider
from .tasks import import_tmdb_film
from .tmdb.client import tmdb_configured
from .tmdb.grow import tmdb_reference_parse


class TMDbImportForm(forms.Form):
    reference = forms.CharField(
        label="TMDb id or URL",
        max_length=300,
        help_text="603, or https://www.themoviedb.org/movie/603-the-matrix",
    )

    def clean_reference(self) -> int:
        tmdb_id = tmdb_reference_parse(self.cleaned_data["reference"])
        if tmdb_id is None:
            raise forms.ValidationError("Give a TMDb film id (digits) or a themoviedb.org/movie/… address.")
        if not tmdb_configured():
            raise forms.ValidationError("TMDb is not configured: set TMDB_API_KEY or TMDB_READ_TOKEN.")
        return tmdb_id


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
    fields = ["role", "job", "person", "character", "order"]
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
    readonly_fields = ["rating_count", "rating_mean", "created_at", "updated_at", "tmdb_synced_at", "omdb_synced_at"]
    raw_id_fields = ["poster"]
    change_list_template = "admin/catalog/film/change_list.html"

    def get_urls(self):
        import_url = path(
            "import-tmdb/", self.admin_site.admin_view(self.import_tmdb_view), name="catalog_film_import_tmdb"
        )
        return [import_url, *super().get_urls()]

    def import_tmdb_view(self, request: HttpRequest) -> HttpResponse:
        """Staff paste a TMDb id or film URL; a job imports it (details, crew, images) in the background."""
        if not self.has_add_permission(request):
            return redirect("admin:catalog_film_changelist")
        form = TMDbImportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            tmdb_id = form.cleaned_data["reference"]
            existing = Film.objects.filter(tmdb_id=tmdb_id, tmdb_synced_at__isnull=False).first()
            if existing is not None:
                messages.info(request, f"{existing} is already in the catalogue.")
                return redirect("admin:catalog_film_change", existing.pk)
            job = job_enqueue(import_tmdb_film, tmdb_id=tmdb_id, created_by=request.user)
            messages.success(request, f"Importing TMDb film {tmdb_id} in the background.")
            return redirect(reverse("core:job_detail", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a film from TMDb",
            "form": form,
            "configured": tmdb_configured(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/catalog/film/import_tmdb.html", context)

    filter_horizontal = ["genres"]
    inlines = [AlternativeTitleInline, CreditInline, FilmImageInline]
    fieldsets = [
        (None, {"fields": ["title", "original_title", "year", "release_date", "runtime_minutes", "certificate"]}),
        (
            "Description",
            {"fields": ["plot", "tagline", "language", "original_language", "countries", "genres", "poster"]},
        ),
        ("External ids", {"fields": ["movielens_id", "imdb_id", "tmdb_id", "tmdb_synced_at", "omdb_synced_at"]}),
        ("Trailer", {"fields": ["trailer_youtube_key"]}),
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
