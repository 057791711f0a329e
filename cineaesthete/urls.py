from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.decorators.http import require_safe
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cineaesthete.api_errors import api_not_found
from cineaesthete.core.views import healthz

admin.site.site_header = "CineAesthete staff"
admin.site.site_title = "CineAesthete staff"
# Staff log in through allauth's login page, so its failed-login limits (in the shared cache) and e-mail
# verification guard the admin too; the admin's own form had no limit at all.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file, which the Content-Security-Policy allows.
    # (ReDoc is not offered: its page needs inline script, inline style elements and Google Fonts.)
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("cineaesthete.api_urls")),
    path("", include("cineaesthete.core.urls")),
    path("", include("accounts.urls")),
    path("", include("reviews.urls")),
    path("", include("recommendations.urls")),
    path("", include("aesthetics.urls")),
    path("", include("catalog.urls")),
    # Last, after every app's /api/ routes: an unknown API path answers JSON, as the API does.
    re_path(r"^api/", api_not_found),
]


@require_safe
def media(request: HttpRequest, path: str) -> HttpResponse:
    """Uploaded files, when no web server in front serves them."""
    try:
        return serve(request, path, document_root=settings.MEDIA_ROOT)
    except OSError:  # a name the file system refuses (too long, say) names no file
        raise Http404("No such file.") from None


if settings.SERVE_MEDIA:
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", media)]
