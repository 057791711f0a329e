from __future__ import annotations

from django.urls import path

from . import views
from .api.views import VibeSearch

app_name = "aesthetics"
urlpatterns = [
    path("vibe/", views.vibe, name="vibe"),
    path("vibe/image/<int:image_id>/", views.more_like_this, name="more_like_image"),
    path("api/vibe/", VibeSearch.as_view(), name="api_vibe"),
]
