from __future__ import annotations

from django import template

from reviews.sentiment.selectors import film_sentiment_context

register = template.Library()


@register.inclusion_tag("sentiment/_film_panel.html")
def film_sentiment_section(film) -> dict:
    """{% load sentiment_tags %}{% film_sentiment_section film %}: what people loved and disliked, by aspect."""
    return film_sentiment_context(film=film)
