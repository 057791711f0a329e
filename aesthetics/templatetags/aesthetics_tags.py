from __future__ import annotations

from django import template

from ..selectors import film_images_with_palettes

register = template.Library()


@register.inclusion_tag("aesthetics/_film_palette.html")
def film_aesthetics_section(film):
    """The film's images with their palettes and measures: one query whatever the number of images."""
    images = film_images_with_palettes(film=film)
    main = next((image for image in images if image.pk == film.poster_id), images[0] if images else None)
    analysis = getattr(main, "aesthetics", None) if main else None
    return {"film": film, "images": images, "analysis": analysis}
