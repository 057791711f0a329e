"""API authentication that lets a member with an unverified e-mail address read but never write.

The check sits in the authentication classes rather than in a default permission class: a view that sets
its own ``permission_classes`` drops the defaults, and then an unverified account could write through it.
Every API view authenticates through these two classes (``REST_FRAMEWORK`` in settings), so no view can
forget the check.
"""

from __future__ import annotations

from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.services import email_verification_required

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class EmailNotVerified(exceptions.PermissionDenied):
    default_detail = "Verify your e-mail address before changing anything through the API."
    default_code = "email_not_verified"


def _refuse_unverified_writes(request: Request, result):
    if result is not None and request.method not in _READ_METHODS:
        user = result[0]
        if email_verification_required(user=user):
            raise EmailNotVerified()
    return result


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request: Request):
        return _refuse_unverified_writes(request, super().authenticate(request))


class VerifiedTokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request: Request):
        return _refuse_unverified_writes(request, super().authenticate(request))


class VerifiedSessionScheme(SessionScheme):
    """Documents the session authentication as the cookie scheme it is (token subclasses are matched already)."""

    target_class = VerifiedSessionAuthentication
