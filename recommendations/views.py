from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Film, Genre
from catalog.selectors import member_service_ids, streaming_choice, streaming_choices, viewer_country, whole_rows
from cineaesthete.htmx import HtmxHttpRequest, render_page
from cineaesthete.validation import parse_id
from recommendations.engine.recommender import MODES
from recommendations.models import FilmFeedback, TasteSeed
from recommendations.selectors import (
    COLD_START_RATINGS,
    ONBOARDING_SKIPPED,
    member_recommendations,
    onboarding_films,
    skipped_at_onboarding,
)
from recommendations.services import SEED_MAX_GENRES, SEED_MAX_MOODS, feedback_set, taste_seed_set
from reviews.sentiment.selectors import mood_choices
from reviews.services import rating_set

PAGE_SIZE = 24  # a multiple of every grid column count (2, 3, 4, 6): no lonely last card
SURPRISE_PICKS = 3  # "Surprise me" shows a few picks, with "another one" to draw the next few


def _draw(request: HtmxHttpRequest) -> int:
    """Which "another one" draw of the surprise picks is on screen (in the URL, so a refresh keeps it)."""
    raw = request.GET.get("draw") or ""
    return min(int(raw), 1000) if raw.isdigit() and raw.isascii() else 0


def _mood(request: HtmxHttpRequest) -> str:
    mood = request.GET.get("mood") or request.POST.get("mood") or ""
    return mood if mood in mood_choices() else ""


def _strong_in_valued(request: HtmxHttpRequest) -> bool:
    """The "films strong in what you value" filter: absent, empty or 0 is off, 1 is on; anything else raises
    ValueError with the message the member sees (a 400, never a 500)."""
    raw = request.GET.get("valued") or request.POST.get("valued") or ""
    if raw not in ("", "0", "1"):
        raise ValueError("The “films strong in what you value” filter takes valued=1 (on) or valued=0 (off).")
    return raw == "1"


def _controls(request: HtmxHttpRequest) -> tuple[str, float]:
    mode = request.GET.get("mode") or request.POST.get("mode") or "accurate"
    if mode not in MODES or mode == "diverse":
        mode = "accurate"
    try:
        diversity = min(max(float(request.GET.get("diversity") or request.POST.get("diversity") or 0), 0.0), 1.0)
    except ValueError:
        diversity = 0.0
    return mode, diversity


def _streaming(request: HtmxHttpRequest) -> str:
    return streaming_choice(
        value=request.GET.get("streaming") or request.POST.get("streaming") or "", user=request.user
    )


def _render_recommendations(request: HtmxHttpRequest, mode: str, diversity: float, valued: bool) -> HttpResponse:
    mood = _mood(request)
    streaming = _streaming(request)
    result = member_recommendations(
        user=request.user,
        k=PAGE_SIZE,
        mode=mode,
        diversity=diversity or None,
        mood=mood,
        strong_in_valued=valued,
        streaming=streaming,
        country=viewer_country(user=request.user, accept_language=request.headers.get("Accept-Language", "")),
        service_ids=member_service_ids(user=request.user),
        skipped=skipped_at_onboarding(request.session),
    )
    draw = _draw(request)
    if mode == "surprise":
        # Each "another one" shows the next few surprises, from the first again once they run out.
        draws = max(1, -(-len(result.items) // SURPRISE_PICKS))
        start = (draw % draws) * SURPRISE_PICKS
        result.items = result.items[start : start + SURPRISE_PICKS]
    else:
        result.items = whole_rows(result.items)
    context = {
        "result": result,
        "mode": mode,
        "diversity": diversity,
        "mood": mood,
        "draw": draw,
        "next_draw": draw + 1,
        # Only a member with a clearly valued aspect has the filter; a stale valued=1 from anyone else is ignored.
        "valued": "1" if valued and result.valued else "",
        "moods": mood_choices(),
        "streaming": streaming,
        "streaming_choices": streaming_choices(user=request.user),
        "modes": [("accurate", "Best matches"), ("gems", "Hidden gems"), ("surprise", "Surprise me")],
        "needs_onboarding": result.liked_count < COLD_START_RATINGS,
    }
    template = "recommendations/recommendations.html"
    return render_page(request, template, context, fragment="results")


@require_GET
@login_required
def recommendations_page(request: HtmxHttpRequest) -> HttpResponse:
    mode, diversity = _controls(request)
    try:
        valued = _strong_in_valued(request)
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    return _render_recommendations(request, mode, diversity, valued)


@require_POST
@login_required
def feedback(request: HtmxHttpRequest, film_id: int) -> HttpResponse:
    film = get_object_or_404(Film, pk=film_id)
    kind = request.POST.get("kind", "")
    if kind not in FilmFeedback.Kind.values:
        return HttpResponseBadRequest("Unknown feedback.")
    try:
        valued = _strong_in_valued(request)
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    feedback_set(user=request.user, film=film, kind=kind)
    mode, diversity = _controls(request)
    if request.htmx:
        return _render_recommendations(request, mode, diversity, valued)
    query = urlencode(
        {
            "mode": mode,
            "diversity": diversity,
            "mood": _mood(request),
            "valued": "1" if valued else "",
            "streaming": _streaming(request),
        }
    )
    return redirect(f"{reverse('recommendations:page')}?{query}")


ONBOARDING_GOAL = 10  # ratings before the onboarding page shows the first recommendations
FIRST_PICKS = 6


@login_required
def onboarding(request: HtmxHttpRequest) -> HttpResponse:
    """Rate well-known films with half stars; "Haven't seen" moves on (remembered in the session, and not
    recommended straight back), "Not for me" is the "not interested" feedback (never recommended)."""
    skipped = skipped_at_onboarding(request.session)
    if request.method == "POST":
        try:
            film = get_object_or_404(Film, pk=parse_id(request.POST.get("film"), name="film"))
        except ValidationError as error:
            return HttpResponseBadRequest("; ".join(error.messages))
        skip = request.POST.get("skip")
        if skip == "not_for_me":
            feedback_set(user=request.user, film=film, kind=FilmFeedback.Kind.NOT_INTERESTED)
        elif skip:
            skipped.add(film.pk)
            request.session[ONBOARDING_SKIPPED] = sorted(skipped)
        else:
            try:
                _rate(user=request.user, film=film, stars=request.POST.get("stars"))
            except ValidationError as error:
                return HttpResponseBadRequest("; ".join(error.messages))
        if not request.htmx:
            return redirect("recommendations:onboarding")
    elif request.method != "GET":
        return HttpResponse(status=405)
    not_for_me = set(
        FilmFeedback.objects.filter(user=request.user, kind=FilmFeedback.Kind.NOT_INTERESTED).values_list(
            "film_id", flat=True
        )
    )
    films = onboarding_films(user=request.user, skipped=skipped | not_for_me)
    rated_count = request.user.ratings.filter(stars__isnull=False).count()
    first_picks = []
    if rated_count >= ONBOARDING_GOAL:
        first_picks = member_recommendations(user=request.user, k=FIRST_PICKS, skipped=skipped).items
    context = {
        "films": films,
        "rated_count": rated_count,
        "goal": ONBOARDING_GOAL,
        "first_picks": first_picks,
        **_taste_context(request.user),
    }
    template = "recommendations/onboarding.html"
    return render_page(request, template, context, fragment="grid")


def _taste_context(user, *, saved: bool = False, error: str = "") -> dict:
    seed = TasteSeed.objects.filter(user=user).prefetch_related("genres").first()
    return {
        "genres": Genre.objects.order_by("name"),
        "moods": mood_choices(),
        "chosen_genres": {genre.pk for genre in seed.genres.all()} if seed else set(),
        "chosen_moods": set(seed.moods) if seed else set(),
        "max_genres": SEED_MAX_GENRES,
        "max_moods": SEED_MAX_MOODS,
        "taste_saved": saved,
        "taste_error": error,
    }


@require_POST
@login_required
def onboarding_taste(request: HtmxHttpRequest) -> HttpResponse:
    """The onboarding's few questions: genres and moods the member likes, which seed the first picks."""
    try:
        taste_seed_set(user=request.user, genre_ids=request.POST.getlist("genre"), moods=request.POST.getlist("mood"))
    except ValidationError as error:
        context = _taste_context(request.user, error=" ".join(error.messages))
        return render_page(request, "recommendations/onboarding.html", context, fragment="taste", status=400)
    if not request.htmx:
        return redirect("recommendations:onboarding")
    return render_page(
        request, "recommendations/onboarding.html", _taste_context(request.user, saved=True), fragment="taste"
    )


def _rate(*, user, film: Film, stars) -> None:
    rating_set(user=user, film=film, stars=stars)
