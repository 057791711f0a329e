"""The attribution TMDb's terms ask for, shown in the footer when the site uses its API."""

from __future__ import annotations

from django import template

from ..tmdb.client import tmdb_configured

register = template.Library()


@register.inclusion_tag("catalog/_tmdb_attribution.html")
def tmdb_attribution() -> dict:
    return {"configured": tmdb_configured()}
