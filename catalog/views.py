from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from cineaesthete.core.middleware import HEADER as CSP_HEADER
from cineaesthete.core.middleware import content_security_policy_with
from cineaesthete.htmx import HtmxHttpRequest, render_page, wants_fragment

from . import selectors
from .models import Person
from .tmdb.client import tmdb_configured

YOUTUBE_NOCOOKIE = "https://www.youtube-nocookie.com"

BROWSE_PAGE_SIZE = 48


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
    )
    page = Paginator(films, BROWSE_PAGE_SIZE).get_page(request.GET.get("page"))
    # The query string without the page number, for the pagination links.
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "sorts": selectors.BROWSE_SORTS,
        "decades": filters["decades"],
        "page_prefix": f"?{params.urlencode()}&page=" if params else "?page=",
        "rating_min_count": selectors.RATING_SORT_MIN_COUNT,
    }
    return render_page(request, "catalog/browse.html", context, fragment="listing")


@require_GET
def film_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    film = selectors.film_for_page(film_id=pk)
    context = {
        "film": film,
        "genres": selectors.film_genres(film=film),
        "credits": selectors.film_credits(film=film),
        "sources": selectors.film_source_details(film=film),
        "tmdb_configured": tmdb_configured(),
    }
    response = render(request, "catalog/film_detail.html", context)
    if film.trailer_youtube_key:
        # The only page that may frame YouTube, and only its privacy-enhanced host (loaded on a click).
        response[CSP_HEADER] = content_security_policy_with(frame_src=[YOUTUBE_NOCOOKIE])
    return response


@require_GET
def person_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.only("id", "name", "imdb_id"), pk=pk)
    context = {"person": person, "sections": selectors.person_filmography(person=person)}
    return render(request, "catalog/person_detail.html", context)


@require_GET
def search(request: HtmxHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    # The header's search box asks for a few suggestions; the search page shows many.
    limits = {"film_limit": 6, "person_limit": 4} if wants_fragment(request) else {"film_limit": 48, "person_limit": 24}
    results = selectors.catalog_search(query=query, **limits)
    return render_page(request, "catalog/search.html", {"results": results}, fragment="suggestions")
