from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from cineaesthete.htmx import HtmxHttpRequest
from cineaesthete.uploads import CappedUploadHandler, cap_uploads

from . import services
from .forms import ProfileForm
from .services import AVATAR_MAX_BYTES, AVATAR_TOO_LARGE

# A little over the picture limit, so a picture just past it still gets the form's own message.
AVATAR_UPLOAD_CAP = AVATAR_MAX_BYTES + 64 * 1024


@csrf_exempt  # the upload cap must be in place before the body is read; _settings_page checks CSRF
@require_http_methods(["GET", "POST"])
@login_required
def profile_settings(request: HtmxHttpRequest) -> HttpResponse:
    """The member's own settings: name, bio, picture, country, privacy defaults."""
    return _settings_page(request, cap_uploads(request, cap=AVATAR_UPLOAD_CAP))


@csrf_protect
def _settings_page(request: HtmxHttpRequest, capped: CappedUploadHandler) -> HttpResponse:
    user = request.user
    initial = {
        "display_name": user.display_name,
        "bio": user.bio,
        "country": user.country,
        "diary_private_by_default": user.diary_private_by_default,
    }
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        if capped.exceeded:
            form.add_error("avatar", AVATAR_TOO_LARGE)
        elif form.is_valid():
            upload = form.cleaned_data["avatar"]
            try:
                services.profile_update(
                    user=user,
                    display_name=form.cleaned_data["display_name"],
                    bio=form.cleaned_data["bio"],
                    country=form.cleaned_data["country"],
                    diary_private_by_default=form.cleaned_data["diary_private_by_default"],
                    avatar=upload.read() if upload else None,
                    avatar_clear=form.cleaned_data["avatar_clear"],
                )
            except ValidationError as error:
                form.add_error("avatar" if not hasattr(error, "error_dict") else None, error)
            else:
                messages.success(request, "Settings saved.")
                return redirect("accounts:settings")
        status = 400
    return render(request, "accounts/settings.html", {"form": form}, status=status)
