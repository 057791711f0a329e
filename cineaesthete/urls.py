from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

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
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
