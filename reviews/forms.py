"""Forms check the shape of input; the services decide what it means."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from .models import AlertSettings, Rating, WatchlistEntry

STAR_CHOICES = [("", "–")] + [(f"{n / 2:.1f}", f"{n / 2:g}") for n in range(1, 11)]


class DiaryForm(forms.Form):
    watched_on = forms.DateField(initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}))
    stars = forms.ChoiceField(choices=STAR_CHOICES, required=False)
    liked = forms.BooleanField(required=False)
    rewatch = forms.BooleanField(required=False)
    tags = forms.CharField(required=False, max_length=1000, help_text="Comma-separated.")
    review_text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6}), max_length=20000)
    contains_spoilers = forms.BooleanField(required=False)
    is_private = forms.BooleanField(required=False, label="Private (only you see this entry)")

    def clean_watched_on(self) -> datetime.date:
        watched_on = self.cleaned_data["watched_on"]
        if watched_on > timezone.localdate() + datetime.timedelta(days=1):
            raise forms.ValidationError("The viewing date is in the future.")
        return watched_on


class ReviewForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), max_length=20000)
    contains_spoilers = forms.BooleanField(required=False)


def aspect_selects(rating: Rating | None) -> list[dict]:
    """The rating widget's aspect selects (story, acting, visuals, music) with the member's current values.

    Plain data for a template loop rather than a Django form: the widget is re-rendered on every star click,
    and form widget rendering cost more than the rest of that request. The ``rate`` view validates the POST.
    """
    selects = []
    for name in Rating.ASPECTS:
        value = getattr(rating, name) if rating else None
        current = "" if value is None else f"{value:.1f}"
        options = [(choice, label, choice == current) for choice, label in STAR_CHOICES]
        selects.append({"name": name, "label": name.capitalize(), "options": options})
    return selects


class WatchlistEntryForm(forms.Form):
    priority = forms.TypedChoiceField(
        choices=WatchlistEntry.Priority.choices, coerce=int, initial=WatchlistEntry.Priority.NORMAL
    )
    note = forms.CharField(required=False, max_length=500)
    note_public = forms.BooleanField(required=False)


class FilmListForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    is_public = forms.BooleanField(required=False, initial=True, label="Public")


class LetterboxdUploadForm(forms.Form):
    file = forms.FileField(help_text="The .zip from Letterboxd (Settings → Import & Export → Export your data).")


class AlertSettingsForm(forms.Form):
    watchlist_available = forms.BooleanField(
        required=False, label="A film on my watchlist starts streaming on one of my services"
    )
    director_new_film = forms.BooleanField(required=False, label="A new film by a director I follow is added")
    digest = forms.ChoiceField(choices=AlertSettings.Digest.choices, label="E-mail", initial=AlertSettings.Digest.NONE)
