"""allauth's account adapter: a suspended member who tries to log in is told so, and why."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest, HttpResponse

SUSPENSION_REASON = "suspension_reason"  # session key read by account/account_inactive.html


class AccountAdapter(DefaultAccountAdapter):
    def respond_user_inactive(self, request: HttpRequest, user) -> HttpResponse:
        # allauth redirects to its "inactive" page, which knows no user: the reason travels in the session.
        if getattr(user, "suspended_at", None) is not None:
            request.session[SUSPENSION_REASON] = user.suspension_reason or "no reason recorded"
        else:
            request.session.pop(SUSPENSION_REASON, None)
        return super().respond_user_inactive(request, user)
