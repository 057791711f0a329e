from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.services import country_set
from cineaesthete.core.jobs import job_enqueue
from cineaesthete.core.middleware import HEADER as CSP_HEADER
from cineaesthete.core.middleware import content_security_policy_with
from cineaesthete.core.models import JobRun
from cineaesthete.htmx import HtmxHttpRequest, render_page, wants_fragment
from cineaesthete.pagination import CappedPaginator
from cineaesthete.validation import clean_query, parse_id

from . import selectors
from .models import RATING_SORT_MIN_COUNT, Person
from .services.streaming import (
    film_providers_refresh_queue,
    film_providers_stale,
    member_services_set,
    provider_list_refresh_queue,
)
from .tasks import import_tmdb_film
from .tmdb.client import TMDbError, tmdb_configured
from .tmdb.grow import tmdb_search

# A member may queue this many imports from TMDb an hour (each costs a TMDb request and a worker's time).
TMDB_IMPORTS_PER_HOUR = 10

YOUTUBE_NOCOOKIE = "https://www.youtube-nocookie.com"

BROWSE_PAGE_SIZE = 48
# Browse counts its matches up to this many ("1,000+ films"): an exact count of a filtered catalogue of a
# hundred thousand films would cost more than the page itself.
BROWSE_COUNT_CAP = 1000


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    context = {
        "staff_lists": selectors.featured_staff_lists(),
        "popular_films": selectors.popular_films(),
    }
    return render(request, "catalog/home.html", context)


def _browse_filters(request: HtmxHttpRequest) -> dict:
    """Filters from the query string; unknown values fall back to "all" rather than erroring."""
    genre_slug = request.GET.get("genre", "")
    choices = selectors.browse_choices()
    genres = choices["genres"]
    if genre_slug not in {slug for slug, _ in genres}:
        genre_slug = ""
    decade_text = request.GET.get("decade", "").removesuffix("s")
    # Compared as text: "²".isdigit() is true but int("²") fails. Only decades that hold films are offered.
    decades = choices["decades"]
    decade = {str(decade): decade for decade in decades}.get(decade_text)
    sort = request.GET.get("sort", "")
    if sort not in selectors.BROWSE_SORTS:
        sort = selectors.DEFAULT_SORT
    filters = {"genre": genre_slug, "decade": decade, "decades": decades, "sort": sort, "genres": genres, "extra": []}
    filters["streaming"] = selectors.streaming_choice(value=request.GET.get("streaming", ""), user=request.user)
    for browse_filter in selectors.browse_filters():
        choices = browse_filter.choices()
        value = request.GET.get(browse_filter.name, "")
        if value not in {choice for choice, _ in choices}:
            value = ""
        filters[browse_filter.name] = value
        filters["extra"].append({"filter": browse_filter, "choices": choices, "value": value})
    return filters


@require_GET
def browse(request: HtmxHttpRequest) -> HttpResponse:
    filters = _browse_filters(request)
    films = selectors.film_browse(
        genre_slug=filters["genre"],
        decade=filters["decade"],
        sort=filters["sort"],
        filters={extra["filter"].name: extra["value"] for extra in filters["extra"]},
        streaming=filters["streaming"],
        country=viewer_country(request),
        service_ids=selectors.member_service_ids(user=request.user) if filters["streaming"] == "mine" else (),
    )
    paginator = CappedPaginator(films, BROWSE_PAGE_SIZE, page_number=request.GET.get("page"), cap=BROWSE_COUNT_CAP)
    page = paginator.get_page()
    # The query string without the page number, for the pagination links.
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "sorts": selectors.BROWSE_SORTS,
        "decades": filters["decades"],
        "page_prefix": f"?{params.urlencode()}&page=" if params else "?page=",
        "rating_min_count": RATING_SORT_MIN_COUNT,
        "streaming_choices": selectors.streaming_choices(user=request.user),
    }
    response = render_page(request, "catalog/browse.html", context, fragment="listing")
    patch_vary_headers(response, ["Accept-Language"])
    return response


def viewer_country(request: HtmxHttpRequest) -> str:
    """Where this viewer watches (their country, else their browser's language, else the site default)."""
    return selectors.viewer_country(user=request.user, accept_language=request.headers.get("Accept-Language", ""))


@require_GET
def film_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    film = selectors.film_for_page(film_id=pk)
    configured = tmdb_configured()
    streaming = selectors.film_streaming(
        film=film,
        country=viewer_country(request),
        service_ids=selectors.member_service_ids(user=request.user),
        configured=configured,
    )
    if configured and film.tmdb_id is not None and film_providers_stale(fetched_at=streaming.fetched_at):
        # Queued for a worker; this page shows what is stored and never waits for TMDb.
        film_providers_refresh_queue(film_id=film.pk)
    context = {
        "film": film,
        "genres": selectors.film_genres(film=film),
        "credits": selectors.film_credits(film=film),
        "sources": selectors.film_source_details(film=film),
        "tmdb_configured": configured,
        "streaming": streaming,
    }
    response = render(request, "catalog/film_detail.html", context)
    patch_vary_headers(response, ["Accept-Language"])
    if film.trailer_youtube_key:
        # The only page that may frame YouTube, and only its privacy-enhanced host (loaded on a click).
        response[CSP_HEADER] = content_security_policy_with(frame_src=[YOUTUBE_NOCOOKIE])
    return response


@require_GET
def person_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.only("id", "name", "imdb_id"), pk=pk)
    # Each section pages on its own: ?section=cast&page=2 turns the acting credits, the others stay on page 1.
    wanted = request.GET.get("section", "")
    sections = [
        (section, selectors.grid_page(section.credits, number=request.GET.get("page") if section.key == wanted else 1))
        for section in selectors.person_filmography(person=person)
    ]
    return render(request, "catalog/person_detail.html", {"person": person, "sections": sections})


@require_GET
def search(request: HtmxHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    # The header's search box asks for a few suggestions; the search page shows many.
    limits = {"film_limit": 6, "person_limit": 4} if wants_fragment(request) else {"film_limit": 48, "person_limit": 24}
    results = selectors.catalog_search(query=query, **limits)
    context = {"results": results, "tmdb_configured": tmdb_configured()}
    return render_page(request, "catalog/search.html", context, fragment="suggestions")


# --- "Can't find it? Add it from TMDb" (members) ----------------------------------------------------------


@require_GET
@login_required
def tmdb_search_view(request: HtmxHttpRequest) -> HttpResponse:
    """TMDb's results for the member's search, each with "Add it" (or a link when we have it already)."""
    try:
        query = clean_query(request.GET.get("q"), max_length=100)
    except ValidationError:
        return HttpResponseBadRequest("The query contains a character that is not allowed.")
    context: dict = {"query": query, "configured": tmdb_configured(), "hits": [], "error": ""}
    if context["configured"] and len(query) >= 2:
        try:
            context["hits"] = tmdb_search(query=query)
        except TMDbError:
            context["error"] = "TMDb did not answer just now; try again in a minute."
    return render_page(request, "catalog/tmdb_search.html", context, fragment="results")


@require_POST
@login_required
def tmdb_add(request: HtmxHttpRequest) -> HttpResponse:
    """Queue the import of one TMDb film for the member; the status page shows the film when it is ready."""
    try:
        tmdb_id = parse_id(request.POST.get("tmdb_id"), name="tmdb_id")
    except ValidationError:
        return HttpResponseBadRequest("Give the TMDb id of a film.")
    if not tmdb_configured():
        return HttpResponseBadRequest("TMDb is not configured on this site.")
    existing = selectors.film_by_tmdb_id(tmdb_id=tmdb_id)
    if existing is not None:
        return redirect(existing)
    budget_key = f"tmdb-add:{request.user.pk}"
    cache.add(budget_key, 0, 60 * 60)
    if cache.incr(budget_key) > TMDB_IMPORTS_PER_HOUR:
        return HttpResponse("You have added many films this hour; try again later.", status=429)
    job = job_enqueue(import_tmdb_film, tmdb_id=tmdb_id, created_by=request.user)
    return redirect("catalog:tmdb_import", job_id=job.pk)


@require_GET
@login_required
def tmdb_import(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    """The member's own import: the film's page once it is there, else "adding…" (htmx polls this)."""
    job = get_object_or_404(
        JobRun.objects.only("id", "state", "result", "arguments"),
        pk=job_id,
        created_by=request.user,
        kind=import_tmdb_film.actor_name,
    )
    if job.state == JobRun.State.SUCCEEDED and isinstance(job.result, dict) and job.result.get("film_id"):
        url = reverse("catalog:film_detail", args=[job.result["film_id"]])
        if wants_fragment(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
    return render_page(request, "catalog/tmdb_import.html", {"job": job}, fragment="status")


@require_http_methods(["GET", "POST"])
@login_required
def streaming_services(request: HtmxHttpRequest) -> HttpResponse:
    """The member's streaming services, among those TMDb lists in their country."""
    country = viewer_country(request)
    providers = selectors.providers_for_country(country=country)
    configured = tmdb_configured()
    if configured and not providers:
        provider_list_refresh_queue(country=country)  # the list appears on a later visit; never wait for TMDb
    error = ""
    if request.method == "POST" and "country" in request.POST:
        # The country form: the member's services are chosen among those offered where they watch.
        try:
            country_set(user=request.user, country=request.POST["country"][:10])
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
        else:
            messages.success(request, f"Your country is now {selectors.COUNTRIES[request.user.country]}.")
            return redirect("catalog:streaming_services")
    elif request.method == "POST":
        try:
            member_services_set(user=request.user, provider_ids=request.POST.getlist("provider"), country=country)
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
        else:
            messages.success(request, "Your streaming services are saved.")
            return redirect("catalog:streaming_services")
    context = {
        "country": country,
        "country_name": selectors.COUNTRIES.get(country, country),
        "country_set": bool(request.user.country),
        "countries": sorted(selectors.COUNTRIES.items(), key=lambda item: item[1]),
        "providers": providers,
        "chosen": set(selectors.member_service_ids(user=request.user)),
        "configured": configured,
        "error": error,
    }
    return render(request, "catalog/streaming_services.html", context, status=400 if error else 200)
