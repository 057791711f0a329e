"""Production serves hashed static files from a manifest that `collectstatic` writes; refuse to start without it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages


def require_collected_static() -> None:
    """Stop start-up with the fix in the message, rather than answer every page with a 500.

    Without the manifest, a manifest storage cannot name any static file outside DEBUG, so each page that
    links its CSS fails while rendering.
    """
    storage = storages["staticfiles"]
    if settings.DEBUG or not isinstance(storage, ManifestFilesMixin):
        return
    if not storage.exists(storage.manifest_name):
        raise ImproperlyConfigured(
            f"No static files manifest in STATIC_ROOT ({settings.STATIC_ROOT}): run "
            "`python manage.py collectstatic --noinput` before starting the site (`make run` does it)."
        )
