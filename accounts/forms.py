from __future__ import annotations

from django import forms

from .countries import COUNTRIES
from .services import AVATAR_MAX_BYTES, AVATAR_TOO_LARGE


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=100, required=False, help_text="Shown instead of your username.")
    bio = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    avatar = forms.FileField(required=False, help_text="JPEG, PNG, WebP or GIF, up to 5 MB; cropped to a square.")
    avatar_clear = forms.BooleanField(required=False, label="Remove my picture")
    country = forms.ChoiceField(
        choices=[("", "Not set")] + sorted(((code, name) for code, name in COUNTRIES.items()), key=lambda c: c[1]),
        required=False,
        help_text="Where you watch: used for streaming availability.",
    )
    diary_private_by_default = forms.BooleanField(
        required=False,
        label="Make new diary entries private",
        help_text="Only you see private entries. Covers viewings and reviews imported from Letterboxd too.",
    )

    def clean_avatar(self):
        upload = self.cleaned_data.get("avatar")
        if upload and upload.size > AVATAR_MAX_BYTES:
            raise forms.ValidationError(AVATAR_TOO_LARGE)
        return upload
