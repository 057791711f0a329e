from __future__ import annotations

from django import forms

from catalog.models import Genre
from catalog.selectors import STREAMING_FILTERS

from .search import MAX_QUERY_LENGTH

DECADES = [(str(decade), f"{decade}s") for decade in range(1910, 2030, 10)]


class VibeSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=MAX_QUERY_LENGTH, label="Describe a look or a feeling")
    colour = forms.CharField(required=False, label="Picked colours")  # repeated ?colour=#rrggbb
    genre = forms.ModelChoiceField(
        Genre.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Any genre",
        widget=forms.Select(attrs={"aria-label": "Genre"}),
    )
    decade = forms.TypedChoiceField(
        choices=[("", "Any decade"), *DECADES],
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.Select(attrs={"aria-label": "Decade"}),
    )
    taste = forms.BooleanField(required=False, label="Match my taste")
    streaming = forms.ChoiceField(
        choices=[("", "Anywhere"), *STREAMING_FILTERS.items()],
        required=False,
        widget=forms.Select(attrs={"aria-label": "Where to watch"}),
    )
