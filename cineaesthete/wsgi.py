from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cineaesthete.settings")
application = get_wsgi_application()

from cineaesthete.core.static import require_collected_static  # noqa: E402 (needs the settings set up above)

require_collected_static()
