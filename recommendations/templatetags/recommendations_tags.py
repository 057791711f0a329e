from __future__ import annotations

from django import template

from recommendations.selectors import member_recommendations, similar_films

register = template.Library()


@register.inclusion_tag("recommendations/_similar.html")
def similar_films_section(film) -> dict:
    return {"films": similar_films(film=film, k=8), "film": film}


@register.inclusion_tag("recommendations/_home_strip.html", takes_context=True)
def top_picks_strip(context) -> dict:
    user = context["request"].user
    result = member_recommendations(user=user, k=8)
    return {"result": result}
