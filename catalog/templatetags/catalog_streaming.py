"""Provider logos and availability labels, wherever providers are shown."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import format_html

from catalog.models import Availability, WatchProvider

register = template.Library()

# TMDb's logo sizes include w45, w92, w154, w185, w300, w500 and original; w92 suits a 46 px logo at 2x.
LOGO_SIZE = "w92"


def provider_logo_url(provider: WatchProvider) -> str:
    if not provider.logo_path or not provider.logo_path.startswith("/"):
        return ""
    return f"{settings.TMDB_IMAGE_BASE_URL.rstrip('/')}/{LOGO_SIZE}{provider.logo_path}"


@register.simple_tag
def provider_logo(provider: WatchProvider) -> str:
    url = provider_logo_url(provider)
    if not url:
        return format_html('<span class="provider-name">{}</span>', provider.name)
    return format_html(
        '<img class="provider-logo" src="{}" alt="{}" title="{}" width="46" height="46" loading="lazy">',
        url,
        provider.name,
        provider.name,
    )


@register.filter
def availability_label(kind: str) -> str:
    return dict(Availability.choices).get(kind, kind)
