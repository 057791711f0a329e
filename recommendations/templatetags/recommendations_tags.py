from __future__ import annotations

from django import template

from catalog.selectors import whole_rows
from recommendations.selectors import (
    COLD_START_RATINGS,
    member_film_match,
    member_recommendations,
    similar_films,
    skipped_at_onboarding,
)

register = template.Library()


@register.inclusion_tag("recommendations/_similar.html")
def similar_films_section(film) -> dict:
    return {"films": whole_rows(similar_films(film=film, k=12)), "film": film}


@register.inclusion_tag("recommendations/_home_strip.html", takes_context=True)
def top_picks_strip(context) -> dict:
    request = context["request"]
    result = member_recommendations(user=request.user, k=12, skipped=skipped_at_onboarding(request.session))
    result.items = whole_rows(result.items)
    return {"result": result}


@register.inclusion_tag("recommendations/_your_match_badge.html", takes_context=True)
def your_match(context, film) -> dict:
    """How well the film fits the member's taste, as "top N% for you" with the top reason, once they have rated
    enough films."""
    user = context["request"].user
    if not user.is_authenticated or user.ratings.filter(stars__isnull=False).count() < COLD_START_RATINGS:
        return {"top_percent": None}
    match = member_film_match(user=user, film_id=film.pk)
    if match is None:
        return {"top_percent": None}
    return {"top_percent": max(1, round(100 * (1 - match.percentile))), "reason": match.reason, "film": film}
