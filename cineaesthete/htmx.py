"""Fragment or full page: the one decision every app's views make the same way.

An htmx request gets the named partial of the page's template (django-template-partials: "page.html#name"),
so the fragment and the full page can never drift apart. A history restore (Back after hx-push-url, when
htmx's cache misses) needs the whole page, so it gets it. The response varies on HX-Request, so no cache
serves a fragment for a page or the other way round.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it (the type its example app uses in views)."""

    htmx: HtmxDetails


def wants_fragment(request: HtmxHttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_page(
    request: HtmxHttpRequest, template: str, context: dict[str, Any], *, fragment: str, status: int = 200
) -> HttpResponse:
    """The page, or only its ``fragment`` partial when htmx asks for a swap."""
    name = f"{template}#{fragment}" if wants_fragment(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response
