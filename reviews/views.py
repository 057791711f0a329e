"""Member pages: rating widget, diary, reviews, watchlist, lists, profile, feed, stats (Letterboxd pages are in
``letterboxd_views``).

Thin views: access helpers from ``selectors`` (404/403), writes through ``services``. Widgets are named
partials of their templates, returned alone to HTMX requests; without JavaScript every form posts and
redirects back.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from accounts.countries import COUNTRIES
from catalog.models import Film, Person
from catalog.selectors import (
    AvailabilityRank,
    grid_page,
    member_service_ids,
    streaming_choice,
    streaming_choices,
    viewer_country,
)
from cineaesthete.htmx import HtmxHttpRequest, render_page
from cineaesthete.validation import clean_text, parse_id, parse_optional_id

from . import moderation, selectors, services
from .forms import AlertSettingsForm, DiaryForm, FilmListForm, ReviewForm, WatchlistEntryForm, aspect_selects
from .models import FilmList, Rating, Report, ReviewLike, WatchlistEntry

REVIEWS_PER_PAGE = 10


def _back(request: HtmxHttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only. Not through redirect(), which would try "abc" as a URL name (a 500 when none).
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return redirect(default)


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def _posted_film(request: HtmxHttpRequest) -> Film:
    """The film named by the POST's ``film`` field: ValidationError when it is not an id, 404 when missing."""
    return get_object_or_404(Film, pk=parse_id(request.POST.get("film"), name="film"))


# --- rating widget ------------------------------------------------------------------------------------


def _widget(request: HtmxHttpRequest, film: Film, *, status: int = 200, error: str = "") -> HttpResponse:
    state = selectors.film_member_state(film=film, user=request.user)
    context = {"film": film, "state": state, "error": error, "aspect_selects": aspect_selects(state.rating)}
    return render(request, "reviews/rating_widget.html#widget", context, status=status)


def _taste_changed(response: HttpResponse) -> HttpResponse:
    """Tell the page the member's taste changed: recommendation panels listening for it refresh themselves."""
    return trigger_client_event(response, "ratingChanged")


@require_POST
@login_required
def rate(request: HtmxHttpRequest, film_id: int) -> HttpResponse:
    """Set, change or clear (empty ``stars``) the member's stars; aspect ratings when the form has them."""
    film = get_object_or_404(Film, pk=film_id)
    # Aspect ratings come from their own small form; the service validates every value.
    aspects = {name: request.POST[name] or None for name in Rating.ASPECTS if name in request.POST} or None
    try:
        if "stars" in request.POST:
            services.rating_set(user=request.user, film=film, stars=request.POST["stars"], aspects=aspects)
        elif aspects is not None:
            services.rating_aspects_set(user=request.user, film=film, aspects=aspects)
        else:
            return HttpResponseBadRequest("Nothing to rate.")
    except ValidationError as error:
        if request.htmx:
            return _widget(request, film, status=400, error=_errors(error))
        return HttpResponseBadRequest(_errors(error))
    if request.htmx:
        return _taste_changed(_widget(request, film))
    return _back(request, film.get_absolute_url())


@require_POST
@login_required
def like(request: HtmxHttpRequest, film_id: int) -> HttpResponse:
    film = get_object_or_404(Film, pk=film_id)
    services.like_toggle(user=request.user, film=film)
    if request.htmx:
        return _taste_changed(_widget(request, film))
    return _back(request, film.get_absolute_url())


@require_POST
@login_required
def watchlist_toggle(request: HtmxHttpRequest, film_id: int) -> HttpResponse:
    film = get_object_or_404(Film, pk=film_id)
    on_watchlist = services.watchlist_toggle(user=request.user, film=film)
    if request.htmx:
        response = render(request, "reviews/watchlist_button.html#button", {"film": film, "on_watchlist": on_watchlist})
        return _taste_changed(response)
    return _back(request, film.get_absolute_url())


@require_POST
@login_required
def watchlist_edit(request: HtmxHttpRequest, film_id: int) -> HttpResponse:
    entry = get_object_or_404(WatchlistEntry.objects.select_related("film"), user=request.user, film_id=film_id)
    form = WatchlistEntryForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Bad priority or note.")
    services.watchlist_update(entry=entry, **form.cleaned_data)
    return _back(request, reverse("reviews:watchlist", args=[request.user.username]))


# --- reviews ------------------------------------------------------------------------------------------


@require_GET
def film_reviews(request: HtmxHttpRequest, film_id: int) -> HttpResponse:
    film = get_object_or_404(Film, pk=film_id)
    context = film_reviews_context(request, film)
    return render_page(request, "reviews/film_reviews.html", context, fragment="reviews")


def film_reviews_context(request: HtmxHttpRequest, film: Film) -> dict:
    sort = request.GET.get("sort", "recent")
    if sort not in selectors.REVIEW_SORTS:
        sort = "recent"
    reviews = selectors.film_reviews(film=film, sort=sort, viewer=request.user)
    page = Paginator(reviews, REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    return {"film": film, "page": page, "sort": sort, "sorts": list(selectors.REVIEW_SORTS)}


@require_http_methods(["GET", "POST"])
@login_required
def review_new(request: HtmxHttpRequest, film_id: int) -> HttpResponse:
    film = get_object_or_404(Film, pk=film_id)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_create(user=request.user, film=film, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Review published.")
            return redirect(review)
    return render(request, "reviews/review_form.html", {"film": film, "form": form})


@require_GET
def review_detail(request: HtmxHttpRequest, review_id: int) -> HttpResponse:
    review = selectors.review_for_viewer(viewer=request.user, review_id=review_id)
    viewer_liked = (
        request.user.is_authenticated and ReviewLike.objects.filter(user=request.user, review=review).exists()
    )
    return render(request, "reviews/review_detail.html", {"review": review, "viewer_liked": viewer_liked})


@require_http_methods(["GET", "POST"])
@login_required
def review_edit(request: HtmxHttpRequest, review_id: int) -> HttpResponse:
    review = selectors.review_for_author(user=request.user, review_id=review_id)
    form = ReviewForm(
        request.POST or None, initial={"text": review.text, "contains_spoilers": review.contains_spoilers}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.review_update(review=review, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Review saved.")
            return redirect(review)
    return render(request, "reviews/review_form.html", {"film": review.film, "form": form, "review": review})


@require_POST
@login_required
def review_delete(request: HtmxHttpRequest, review_id: int) -> HttpResponse:
    review = selectors.review_for_author(user=request.user, review_id=review_id)
    film = review.film
    services.review_delete(review=review)
    messages.success(request, "Review deleted.")
    return redirect(film.get_absolute_url())


@require_POST
@login_required
def review_like(request: HtmxHttpRequest, review_id: int) -> HttpResponse:
    review = selectors.review_for_viewer(viewer=request.user, review_id=review_id)
    try:
        liked = services.review_like_toggle(user=request.user, review=review)
    except ValidationError as error:
        return HttpResponseBadRequest(_errors(error))
    if request.htmx:
        return render(request, "reviews/review_like.html#like", {"review": review, "viewer_liked": liked})
    return _back(request, review.get_absolute_url())


# --- diary --------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def diary_log(request: HtmxHttpRequest, film_id: int) -> HttpResponse:
    film = get_object_or_404(Film, pk=film_id)
    # The box starts as the member's "make new diary entries private" setting; the posted form then says.
    form = DiaryForm(request.POST or None, initial={"is_private": request.user.diary_private_by_default})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.diary_log(
                user=request.user,
                film=film,
                watched_on=data["watched_on"],
                rewatch=data["rewatch"],
                stars=data["stars"] or None,
                liked=data["liked"],
                tags=services.parse_tags(data["tags"]),
                review_text=data["review_text"],
                contains_spoilers=data["contains_spoilers"],
                is_private=data["is_private"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Logged {film.title}.")
            return _back(request, film.get_absolute_url())
    return render(request, "reviews/diary_form.html", {"film": film, "form": form})


@require_POST
@login_required
def diary_delete(request: HtmxHttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.diary_entry_for_owner(user=request.user, entry_id=entry_id)
    services.diary_delete(entry=entry)
    messages.success(request, "Diary entry deleted.")
    return _back(request, reverse("reviews:diary", args=[request.user.username]))


@require_GET
def diary(request: HtmxHttpRequest, username: str, year: int | None = None, month: int | None = None) -> HttpResponse:
    member = selectors.member_by_username(username)
    if year is not None and not 1 <= year <= 9999:
        raise Http404("No such year.")
    if month is not None and not 1 <= month <= 12:
        return HttpResponseBadRequest("No such month.")
    entries = selectors.member_diary(member=member, viewer=request.user, year=year, month=month)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    context = {
        "member": member,
        "page": page,
        "year": year,
        "month": month,
        "months": selectors.diary_months(member=member, viewer=request.user),
        "is_owner": request.user.is_authenticated and request.user.pk == member.pk,
    }
    return render(request, "reviews/diary.html", context)


# --- watchlist ----------------------------------------------------------------------------------------


@require_GET
def watchlist(request: HtmxHttpRequest, username: str) -> HttpResponse:
    member = selectors.member_by_username(username)
    sorts = selectors.watchlist_sorts()
    sort = request.GET.get("sort", "added")
    if sort not in sorts:
        sort = "added"
    # Availability is the viewer's: their country and services, whoever's watchlist it is.
    country = viewer_country(user=request.user, accept_language=request.headers.get("Accept-Language", ""))
    streaming = streaming_choice(value=request.GET.get("streaming", ""), user=request.user)
    service_ids = member_service_ids(user=request.user)
    entries = selectors.watchlist_entries(
        member=member, viewer=request.user, sort=sort, country=country, service_ids=service_ids, streaming=streaming
    )
    # Pages sorted and cut in SQL: a long watchlist is not rendered (nor its availability ranked) all at once.
    page = grid_page(entries, number=request.GET.get("page"))
    shown = selectors.watchlist_shown(page.object_list, member=member, viewer=request.user)
    groups = []
    if sort == "availability":
        labels = {**AvailabilityRank.LABELS, AvailabilityRank.NOWHERE: f"Nowhere in {COUNTRIES[country]}"}
        totals = selectors.watchlist_availability_counts(
            member=member, country=country, service_ids=service_ids, streaming=streaming
        )
        for entry in shown:
            if not groups or groups[-1]["label"] != labels[entry.availability]:
                label, total = labels[entry.availability], totals.get(entry.availability, 0)
                groups.append({"label": label, "total": total, "entries": []})
            groups[-1]["entries"].append(entry)
    context = {
        "member": member,
        "entries": shown,
        "page": page,
        "groups": groups or [{"label": "", "total": len(shown), "entries": shown}],
        "sort": sort,
        "sorts": sorts,
        "streaming": streaming,
        "streaming_choices": streaming_choices(user=request.user),
        "priorities": WatchlistEntry.Priority.choices,
        "is_owner": request.user.is_authenticated and request.user.pk == member.pk,
    }
    return render(request, "reviews/watchlist.html", context)


# --- lists --------------------------------------------------------------------------------------------


@require_GET
def lists(request: HtmxHttpRequest, username: str) -> HttpResponse:
    member = selectors.member_by_username(username)
    context = {
        "member": member,
        "lists": selectors.member_lists(member=member, viewer=request.user),
        "is_owner": request.user.is_authenticated and request.user.pk == member.pk,
    }
    return render(request, "reviews/lists.html", context)


@require_GET
def list_detail(request: HtmxHttpRequest, username: str, slug: str) -> HttpResponse:
    film_list = selectors.list_for_viewer(viewer=request.user, owner_username=username, slug=slug)
    entries, seen = selectors.list_entries(film_list=film_list, viewer=request.user)
    context = {
        "film_list": film_list,
        "entries": entries,
        "seen": seen,
        "is_owner": request.user.is_authenticated and request.user.pk == film_list.user_id,
    }
    return render(request, "reviews/list_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def list_new(request: HtmxHttpRequest) -> HttpResponse:
    form = FilmListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The film to start the list with is checked before the list is created.
        try:
            film_id = parse_optional_id(request.POST.get("film"), name="film")
        except ValidationError as error:
            return HttpResponseBadRequest(_errors(error))
        film = get_object_or_404(Film, pk=film_id) if film_id else None
        with transaction.atomic():
            film_list = services.list_create(user=request.user, **form.cleaned_data)
            if film is not None:
                services.list_add(film_list=film_list, film=film)
        return redirect(film_list)
    return render(request, "reviews/list_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def list_edit(request: HtmxHttpRequest, list_id: int) -> HttpResponse:
    film_list = selectors.list_for_owner(user=request.user, list_id=list_id)
    form = FilmListForm(
        request.POST or None,
        initial={"title": film_list.title, "description": film_list.description, "is_public": film_list.is_public},
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.list_update(film_list=film_list, **form.cleaned_data)
                _save_entry_edits(request, film_list)
        except ValidationError as error:
            return HttpResponseBadRequest(_errors(error))
        messages.success(request, "List saved.")
        return redirect(film_list)
    entries, _ = selectors.list_entries(film_list=film_list, viewer=None)
    return render(request, "reviews/list_form.html", {"form": form, "film_list": film_list, "entries": entries})


def _save_entry_edits(request: HtmxHttpRequest, film_list: FilmList) -> None:
    """The edit form's per-entry position and note fields (``position-<film id>``, ``note-<film id>``)."""
    entries = {entry.film_id: entry for entry in film_list.entries.all()}
    positions: list[tuple[float, int]] = []
    for film_id, entry in entries.items():
        note = request.POST.get(f"note-{film_id}")
        if note is not None and clean_text(note, max_length=1000, name="A note") != entry.note:
            services.list_entry_update(entry=entry, note=note)
        try:
            positions.append((float(request.POST.get(f"position-{film_id}", entry.position)), film_id))
        except ValueError:
            positions.append((entry.position, film_id))
    if positions:
        # Ties keep the current order, so typing "3" for a film moves it just before the current third.
        current = {film_id: entry.position for film_id, entry in entries.items()}
        positions.sort(key=lambda item: (item[0], item[0] != current[item[1]], current[item[1]]))
        services.list_reorder(film_list=film_list, film_ids=[film_id for _, film_id in positions])


@require_POST
@login_required
def list_delete(request: HtmxHttpRequest, list_id: int) -> HttpResponse:
    film_list = selectors.list_for_owner(user=request.user, list_id=list_id)
    services.list_delete(film_list=film_list)
    messages.success(request, "List deleted.")
    return redirect("reviews:lists", username=request.user.username)


@require_POST
@login_required
def list_add(request: HtmxHttpRequest) -> HttpResponse:
    """Add a film (``film``) to one of the member's lists (``list``), from the film page."""
    try:
        list_id = parse_id(request.POST.get("list"), name="list")
    except ValidationError:
        return HttpResponseBadRequest("Pick one of your lists.")
    film_list = selectors.list_for_owner(user=request.user, list_id=list_id)
    try:
        film = _posted_film(request)
        services.list_add(film_list=film_list, film=film, note=request.POST.get("note", ""))
    except ValidationError as error:
        return HttpResponseBadRequest(_errors(error))
    messages.success(request, f"Added {film.title} to {film_list.title}.")
    return _back(request, film_list.get_absolute_url())


@require_POST
@login_required
def list_remove(request: HtmxHttpRequest, list_id: int) -> HttpResponse:
    film_list = selectors.list_for_owner(user=request.user, list_id=list_id)
    try:
        film = _posted_film(request)
    except ValidationError as error:
        return HttpResponseBadRequest(_errors(error))
    services.list_remove(film_list=film_list, film=film)
    return _back(request, film_list.get_absolute_url())


@require_POST
@login_required
def list_reorder(request: HtmxHttpRequest, list_id: int) -> HttpResponse:
    """New order from the drag-and-drop script (JSON ``{"films": [ids]}``) or a form (``films`` repeated)."""
    film_list = selectors.list_for_owner(user=request.user, list_id=list_id)
    try:
        if request.content_type == "application/json":
            film_ids = [parse_id(film_id, name="film") for film_id in json.loads(request.body)["films"]]
        else:
            film_ids = [parse_id(film_id, name="film") for film_id in request.POST.getlist("films")]
        services.list_reorder(film_list=film_list, film_ids=film_ids)
    except (ValueError, KeyError, TypeError, ValidationError):
        return HttpResponseBadRequest("Expected the list's film ids in their new order.")
    if request.content_type == "application/json":
        return JsonResponse({"ok": True})
    return redirect(film_list)


@require_POST
@login_required
def list_move(request: HtmxHttpRequest, list_id: int) -> HttpResponse:
    film_list = selectors.list_for_owner(user=request.user, list_id=list_id)
    try:
        film = _posted_film(request)
        position = parse_id(request.POST.get("position"), name="position")
        services.list_move(film_list=film_list, film=film, position=position)
    except ValidationError:
        return HttpResponseBadRequest("Expected a film of this list and a position.")
    return redirect(film_list)


# --- social -------------------------------------------------------------------------------------------


@require_GET
def profile(request: HtmxHttpRequest, username: str) -> HttpResponse:
    member = selectors.member_by_username(username)
    context = {
        "member": member,
        "counts": selectors.profile_counts(
            member=member,
            viewer=request.user,
            country=viewer_country(user=request.user, accept_language=request.headers.get("Accept-Language", "")),
        ),
        "favourites": selectors.member_favourites(member=member),
        "activities": selectors.member_recent_activity(member=member),
        "is_following": selectors.is_following(follower=request.user, followed=member),
        "compatibility": selectors.taste_compatibility(member=member, viewer=request.user),
        "is_owner": request.user.is_authenticated and request.user.pk == member.pk,
    }
    return render(request, "reviews/profile.html", context)


@require_POST
@login_required
def follow(request: HtmxHttpRequest, username: str) -> HttpResponse:
    member = selectors.member_by_username(username)
    if request.POST.get("action") == "unfollow":
        services.follow_delete(follower=request.user, followed=member)
        following = False
    else:
        try:
            services.follow_create(follower=request.user, followed=member)
        except ValidationError as error:
            return HttpResponseBadRequest(_errors(error))
        following = True
    if request.htmx:
        return render(request, "reviews/profile.html#follow", {"member": member, "is_following": following})
    return _back(request, reverse("reviews:profile", args=[member.username]))


@require_GET
@login_required
def feed(request: HtmxHttpRequest) -> HttpResponse:
    activities = selectors.member_feed(user=request.user, limit=50)
    return render(request, "reviews/feed.html", {"activities": activities})


@require_GET
def stats(request: HtmxHttpRequest, username: str) -> HttpResponse:
    member = selectors.member_by_username(username)
    member_stats = selectors.member_stats(member=member, viewer=request.user)
    return render(request, "reviews/stats.html", {"member": member, "stats": member_stats})


@require_http_methods(["GET", "POST"])
@login_required
def favourites_edit(request: HtmxHttpRequest) -> HttpResponse:
    """Pick four favourites among the films the member has rated."""
    choices = list(
        Film.objects.filter(ratings__user=request.user)
        .order_by("-ratings__stars", "title")
        .only("id", "title", "year")[:500]
    )
    current = [film.pk for film in selectors.member_favourites(member=request.user)]
    if request.method == "POST":
        by_id = {film.pk: film for film in choices}
        picked = []
        try:
            for n in range(1, 5):
                film_id = parse_optional_id(request.POST.get(f"film{n}"), name=f"film{n}")
                if film_id in by_id:
                    picked.append(by_id[film_id])
        except ValidationError as error:
            return HttpResponseBadRequest(_errors(error))
        services.favourites_set(user=request.user, films=picked)
        messages.success(request, "Favourites saved.")
        return redirect("reviews:profile", username=request.user.username)
    slots = [(n, current[n - 1] if n <= len(current) else None) for n in range(1, 5)]
    return render(request, "reviews/favourites_form.html", {"choices": choices, "slots": slots})


# --- Leaving -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def account_delete(request: HtmxHttpRequest) -> HttpResponse:
    """Delete the account after the member confirms with their password; the export is offered first."""
    error = ""
    if request.method == "POST":
        if request.user.check_password(request.POST.get("password", "")):
            services.account_delete(user=request.user)
            logout(request)
            messages.success(request, "Your account and everything you made on CineAesthete have been deleted.")
            return redirect("catalog:home")
        error = "That is not your password: nothing was deleted."
    return render(request, "reviews/account_delete.html", {"error": error}, status=400 if error else 200)


# --- alerts -------------------------------------------------------------------------------------------


@require_GET
@login_required
def notifications(request: HtmxHttpRequest) -> HttpResponse:
    context = {"notifications": selectors.member_notifications(user=request.user)}
    return render_page(request, "reviews/notifications.html", context, fragment="list")


@require_POST
@login_required
def notifications_read(request: HtmxHttpRequest) -> HttpResponse:
    """Mark one notification (``id``) or all of them read."""
    raw_id = request.POST.get("id")
    if raw_id is None:
        services.notifications_mark_read(user=request.user)
    else:
        try:
            notification_id = parse_id(raw_id)
        except ValidationError as error:
            return HttpResponseBadRequest(_errors(error))
        services.notifications_mark_read(user=request.user, notification_ids=[notification_id])
    if request.htmx:
        response = render(
            request,
            "reviews/notifications.html#list",
            {"notifications": selectors.member_notifications(user=request.user)},
        )
        return trigger_client_event(response, "notificationsRead")
    return redirect("reviews:notifications")


@require_GET
def notification_bell(request: HtmxHttpRequest) -> HttpResponse:
    """The header's bell (polled by htmx): the unread count, nothing for visitors."""
    response = render(request, "reviews/_bell.html", {"unread": selectors.unread_notification_count(user=request.user)})
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def alert_settings(request: HtmxHttpRequest) -> HttpResponse:
    current = selectors.alert_settings_for(user=request.user)
    initial = {
        "watchlist_available": current.watchlist_available,
        "director_new_film": current.director_new_film,
        "digest": current.digest,
    }
    form = AlertSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            services.alert_settings_update(user=request.user, **form.cleaned_data)
            messages.success(request, "Your alerts are saved.")
            return redirect("reviews:alert_settings")
        return render(request, "reviews/alert_settings.html", {"form": form}, status=400)
    return render(request, "reviews/alert_settings.html", {"form": form})


@csrf_exempt  # the signed token is the credential: mail clients POST a one-click unsubscribe without a session
@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (link scanners follow links); POST unsubscribes, from the page or a mail client."""
    try:
        member = services.digest_unsubscribe_user(token=token)
    except ValidationError as error:
        return render(request, "reviews/digest_unsubscribe.html", {"error": _errors(error)}, status=400)
    done = False
    if request.method == "POST":
        services.digest_unsubscribe(user=member)
        done = True
    return render(request, "reviews/digest_unsubscribe.html", {"done": done, "token": token})


@require_POST
@login_required
def person_follow(request: HtmxHttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.only("id", "name"), pk=person_id)
    following = services.person_follow_set(
        user=request.user, person=person, follow=request.POST.get("action") != "unfollow"
    )
    if request.htmx:
        return render(request, "reviews/_person_follow.html#button", {"person": person, "following": following})
    return redirect(person.get_absolute_url())


# --- reports and the content policy -------------------------------------------------------------------


def _report(request: HtmxHttpRequest, *, target, kind: str, target_name: str, action: str) -> HttpResponse:
    """The report form (GET) and its submission (POST): a 400 with the form again on a bad reason or text,
    a 429 when the member has sent too many reports this hour."""
    context = {
        "kind": kind,
        "target_id": target.pk,
        "target_name": target_name,
        "action": action,
        "reasons": Report.Reason.choices,
        "text_max": moderation.REPORT_TEXT_MAX_LENGTH,
        "chosen": request.POST.get("reason", ""),
        "text": request.POST.get("text", ""),
    }
    status = 200
    if request.method == "POST":
        already = None
        try:
            already = selectors.open_report_exists(reporter=request.user, target=target)
            context["report"] = moderation.report_create(
                reporter=request.user, target=target, reason=request.POST.get("reason"), text=request.POST.get("text")
            )
            context["already"] = already
        except ValidationError as error:
            context["error"], status = _errors(error), 400
        except moderation.ReportRateLimited as error:
            context["error"], status = str(error), 429
    return render_page(request, "reviews/report.html", context, fragment="form", status=status)


@require_http_methods(["GET", "POST"])
@login_required
def report_review(request: HtmxHttpRequest, review_id: int) -> HttpResponse:
    review = selectors.review_for_viewer(viewer=request.user, review_id=review_id)
    name = f"{review.user.shown_name}'s review of {review.film.title}"
    return _report(
        request,
        target=review,
        kind="review",
        target_name=name,
        action=reverse("reviews:report_review", args=[review.pk]),
    )


@require_http_methods(["GET", "POST"])
@login_required
def report_list(request: HtmxHttpRequest, list_id: int) -> HttpResponse:
    film_list = selectors.list_for_reporting(viewer=request.user, list_id=list_id)
    return _report(
        request,
        target=film_list,
        kind="list",
        target_name=f"the list “{film_list.title}”",
        action=reverse("reviews:report_list", args=[film_list.pk]),
    )


@require_http_methods(["GET", "POST"])
@login_required
def report_member(request: HtmxHttpRequest, username: str) -> HttpResponse:
    member = selectors.member_by_username(username)
    return _report(
        request,
        target=member,
        kind="member",
        target_name=member.shown_name,
        action=reverse("reviews:report_member", args=[member.username]),
    )


@require_GET
def content_policy(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "reviews/content_policy.html")
