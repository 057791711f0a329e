"""Letterboxd import and export pages. Thin: the import's life is in ``reviews.imports``."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.models import Film
from cineaesthete.htmx import HtmxHttpRequest
from cineaesthete.uploads import CappedUploadHandler, cap_uploads

from .forms import LetterboxdUploadForm
from .imports import letterboxd_import_resolve, letterboxd_import_start, letterboxd_import_sync
from .letterboxd import export_member
from .letterboxd_parse import LetterboxdError
from .models import LetterboxdImport


@csrf_exempt  # the upload handler must be in place before the body is read; _import_page checks CSRF
@require_http_methods(["GET", "POST"])
@login_required
def letterboxd_import(request: HtmxHttpRequest) -> HttpResponse:
    return _import_page(request, cap_uploads(request, cap=settings.LETTERBOXD_MAX_UPLOAD_BYTES))


@csrf_protect
def _import_page(request: HtmxHttpRequest, capped: CappedUploadHandler) -> HttpResponse:
    form = LetterboxdUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if capped.exceeded:
            form = LetterboxdUploadForm(request.POST, {})
            form.full_clean()
            form.errors.pop("file", None)
            form.add_error(
                "file", f"The file is larger than {filesizeformat(capped.cap)}; a Letterboxd export is far smaller."
            )
        elif form.is_valid():
            try:
                record = letterboxd_import_start(user=request.user, upload=form.cleaned_data["file"])
            except LetterboxdError as error:
                form.add_error("file", str(error))
            else:
                return redirect(record)
    imports = LetterboxdImport.objects.filter(user=request.user).select_related("job")[:10]
    status = 400 if request.method == "POST" else 200
    return render(request, "reviews/letterboxd_import.html", {"form": form, "imports": imports}, status=status)


@require_GET
@login_required
def letterboxd_import_detail(request: HtmxHttpRequest, import_id: int) -> HttpResponse:
    record = get_object_or_404(LetterboxdImport.objects.select_related("job"), pk=import_id, user=request.user)
    letterboxd_import_sync(record=record)
    return render(request, "reviews/letterboxd_import_detail.html", {"record": record})


@require_POST
@login_required
def letterboxd_import_pick(request: HtmxHttpRequest, import_id: int) -> HttpResponse:
    """The member picks the catalogue film an unmatched name meant; its rows are imported now."""
    record = get_object_or_404(LetterboxdImport, pk=import_id, user=request.user)
    entry, film_id = request.POST.get("entry", ""), request.POST.get("film", "")
    if not re.fullmatch(r"\d{1,6}", entry, flags=re.ASCII) or not re.fullmatch(r"\d{1,12}", film_id, flags=re.ASCII):
        return HttpResponseBadRequest("Pick a film from the list.")
    film = get_object_or_404(Film, pk=int(film_id))
    try:
        created = letterboxd_import_resolve(record=record, entry_index=int(entry), film=film)
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    messages.success(request, f"Imported {sum(created.values())} rows for {film.title}.")
    return redirect(record)


@require_GET
@login_required
def letterboxd_export(request: HtmxHttpRequest) -> HttpResponse:
    response = HttpResponse(export_member(user=request.user), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="letterboxd-{request.user.username}.zip"'
    return response
