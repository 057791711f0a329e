"""The Content-Security-Policy header on every response.

A few lines of middleware rather than django-csp: the policy is one fixed header (no inline script or
style element anywhere, so no nonces), and Django 5.2 has no CSP support of its own.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


def content_security_policy(get_response: Callable[[HttpRequest], HttpResponse]):
    policy = settings.CONTENT_SECURITY_POLICY

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if policy and HEADER not in response:
            response[HEADER] = policy
        return response

    return middleware


def content_security_policy_with(**sources: list[str]) -> str:
    """The site's policy with more sources for some directives, for the one response that needs them (the
    film page's click-to-load trailer: ``frame_src=["https://www.youtube-nocookie.com"]``). A view sets it as
    the header itself; the middleware leaves a header it finds alone."""
    directives = [part.strip() for part in settings.CONTENT_SECURITY_POLICY.split(";") if part.strip()]
    for name, extra in sources.items():
        directive = name.replace("_", "-")
        for index, part in enumerate(directives):
            if part.split()[0] == directive:
                directives[index] = " ".join([part, *extra])
                break
        else:
            directives.append(" ".join([directive, *extra]))
    return "; ".join(directives)
