from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from .models import FilmTextEmbedding, ImageAesthetics, VibeCollection, VibeSettings


@admin.register(VibeSettings)
class VibeSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "palette_weight", "clip_weight", "text_weight", "candidates", "ef_search"]

    def has_add_permission(self, request) -> bool:
        return not VibeSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ImageAesthetics)
class ImageAestheticsAdmin(admin.ModelAdmin):
    list_display = ["image_id", "film", "status", "swatches", "brightness", "greyscale", "neon", "clip_model"]
    list_filter = ["status", "clip_model"]
    search_fields = ["film__title", "error"]
    raw_id_fields = ["image", "film"]
    list_select_related = ["film"]
    exclude = ["palette_vector", "clip_vector"]
    readonly_fields = ["swatches"]

    @admin.display(description="Palette")
    def swatches(self, row: ImageAesthetics) -> str:
        return format_html_join(
            "",
            '<span title="{}" style="display:inline-block;width:18px;height:18px;background:{}"></span>',
            ((c["hex"], c["hex"]) for c in row.palette),
        ) or format_html("<em>{}</em>", row.error or "—")


@admin.register(FilmTextEmbedding)
class FilmTextEmbeddingAdmin(admin.ModelAdmin):
    list_display = ["film", "source", "model_name", "updated_at"]
    list_filter = ["source", "model_name"]
    search_fields = ["film__title"]
    raw_id_fields = ["film"]
    exclude = ["vector"]
    list_select_related = ["film"]


@admin.register(VibeCollection)
class VibeCollectionAdmin(admin.ModelAdmin):
    list_display = ["title", "query", "colours", "position", "published"]
    list_editable = ["position", "published"]
    search_fields = ["title", "query"]
