from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from catalog.selectors import member_service_ids, streaming_choice, viewer_country
from cineaesthete.htmx import HtmxHttpRequest, render_page

from .forms import VibeSearchForm
from .search import VibeQueryError, VibeResults, more_like_image, vibe_search
from .selectors import image_aesthetics_or_none, published_vibe_collections

EXAMPLES = [
    "rain with neon reflections",
    "pastel pink and purple palette",
    "cold blue isolated atmosphere",
    "harsh black and white contrast",
    "golden desert adventure",
    "teal and orange action",
    "dark gloomy detective",
]


def _search_from_request(request: HtmxHttpRequest, *, limit: int = 24):
    """(form, results or None, error or None) for the GET parameters of a vibe search."""
    form = VibeSearchForm(request.GET or None)
    colours = [colour for colour in request.GET.getlist("colour") if colour]
    if not request.GET.get("q") and not colours:
        return form, None, None
    if not form.is_valid():
        return form, None, " ".join(error for errors in form.errors.values() for error in errors)
    data = form.cleaned_data
    try:
        results = vibe_search(
            query=data["q"],
            colours=colours,
            genre=data["genre"].slug if data["genre"] else None,
            decade=data["decade"],
            user=request.user,
            match_taste=data["taste"],
            limit=limit,
            # "On my services" means nothing for a visitor: it then filters nothing.
            streaming=streaming_choice(value=data["streaming"], user=request.user),
            country=viewer_country(user=request.user, accept_language=request.headers.get("Accept-Language", "")),
            service_ids=member_service_ids(user=request.user),
        )
    except VibeQueryError as error:
        return form, None, str(error)
    return form, results, None


def _without(request: HtmxHttpRequest, *, q: str | None = None, colour: str | None = None) -> str:
    """This search's URL with the query text replaced or one picked colour removed: a "remove" link."""
    params = request.GET.copy()
    if q is not None:
        params["q"] = q
    if colour is not None:
        params.setlist("colour", [c for c in params.getlist("colour") if c != colour])
    return "?" + params.urlencode()


def _reading_links(request: HtmxHttpRequest, results: VibeResults | None) -> list[dict]:
    """Each part of the reading with the link that searches again without it."""
    if results is None or results.reading is None:
        return []
    return [
        {"part": part, "remove_url": _without(request, q=results.reading.without(part.key))}
        for part in results.reading.parts
    ]


@require_GET
@vary_on_headers("HX-Request", "Accept-Language")
def vibe(request: HtmxHttpRequest) -> HttpResponse:
    form, results, error = _search_from_request(request)
    picked = [colour for colour in request.GET.getlist("colour") if colour]
    context = {
        "form": form,
        "results": results,
        "error": error,
        "examples": EXAMPLES,
        "collections": published_vibe_collections(),
        "picked": picked,
        "picked_links": [{"colour": colour, "remove_url": _without(request, colour=colour)} for colour in picked],
        "reading_links": _reading_links(request, results),
    }
    return render_page(request, "aesthetics/vibe.html", context, fragment="results", status=400 if error else 200)


@require_GET
def more_like_this(request: HtmxHttpRequest, image_id: int) -> HttpResponse:
    row = image_aesthetics_or_none(image_id=image_id)
    if row is None or row.status != row.Status.DONE:
        raise Http404("That image has not been analysed.")
    results = more_like_image(row=row)
    return render(request, "aesthetics/more_like_image.html", {"source": row, "results": results})
