"""Account writes: issuing API tokens through the same checks as the web login."""

from __future__ import annotations

from allauth.account import app_settings as allauth_settings
from allauth.account.forms import LoginForm
from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.http import HttpRequest
from rest_framework.authtoken.models import Token

from .models import User

# The message allauth gives when its failed-login limits are hit; a token request then answers 429.
_RATE_LIMITED = "too_many_login_attempts"


class LoginRefused(Exception):
    """The credentials were wrong or malformed."""


class AccountNotAllowed(LoginRefused):
    """The credentials are right, but the account may not log in yet (inactive, e-mail not verified)."""


class LoginRateLimited(LoginRefused):
    """Too many failed logins from this address or for this account."""


def email_verification_required(*, user: User) -> bool:
    """True when the site demands a verified e-mail address and this member has none yet."""
    if allauth_settings.EMAIL_VERIFICATION != allauth_settings.EmailVerificationMethod.MANDATORY:
        return False
    return not EmailAddress.objects.filter(user=user, verified=True).exists()


def api_token_issue(*, request: HttpRequest, login: str, password: str) -> Token:
    """The member's API token, after the checks the web login makes.

    allauth's limit on login attempts per address applies first; then allauth's login form authenticates: its failed-login rate limits (per address and per account, in the
    shared cache) and the backends' refusal of inactive accounts apply exactly as on /accounts/login/.
    Mandatory e-mail verification is checked here, because the web login does it in a later stage
    (a redirect to "verify your address") that an API client never sees.
    """
    # The web login page's own limit on login attempts per address (allauth's "login" rate), right or wrong.
    if not ratelimit.consume(request, action="login"):
        raise LoginRateLimited("Too many login attempts from this address; try again later.")
    form = LoginForm(data={"login": login, "password": password}, request=request)
    if not form.is_valid():
        errors = [error for field_errors in form.errors.as_data().values() for error in field_errors]
        message = " ".join(str(message) for error in errors for message in error.messages)
        if any(error.code == _RATE_LIMITED for error in errors):
            raise LoginRateLimited(message)
        raise LoginRefused(message or "Unable to log in with the provided credentials.")
    user = form.user
    if not user.is_active:
        raise AccountNotAllowed("This account is inactive.")
    if email_verification_required(user=user):
        raise AccountNotAllowed("Verify your e-mail address first: follow the link in the mail sent when you joined.")
    token, _ = Token.objects.get_or_create(user=user)
    return token
