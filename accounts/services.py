"""Account writes: API tokens issued through the same checks as the web login; a member's own profile."""

from __future__ import annotations

import io
import uuid

from allauth.account import app_settings as allauth_settings
from allauth.account.forms import LoginForm
from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest
from PIL import Image, UnidentifiedImageError
from rest_framework.authtoken.models import Token

from .countries import COUNTRIES
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


AVATAR_MAX_BYTES = 5 * 1024 * 1024
AVATAR_TOO_LARGE = f"The picture is larger than {AVATAR_MAX_BYTES // (1024 * 1024)} MB."
AVATAR_SIDE = 256
# Pillow picks a decoder from the file's content; only these ever run on a member's upload.
AVATAR_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


def avatar_normalise(data: bytes) -> bytes:
    """A square 256 px JPEG from an uploaded image, or ValidationError for anything else."""
    if len(data) > AVATAR_MAX_BYTES:
        raise ValidationError(AVATAR_TOO_LARGE)
    try:
        with Image.open(io.BytesIO(data), formats=AVATAR_FORMATS) as image:
            if image.width * image.height > 40_000_000:
                raise ValidationError("The picture has too many pixels.")
            image = image.convert("RGB")
            side = min(image.size)
            left, top = (image.width - side) // 2, (image.height - side) // 2
            image = image.crop((left, top, left + side, top + side)).resize((AVATAR_SIDE, AVATAR_SIDE))
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=88)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ValidationError("Upload a JPEG, PNG, WebP or GIF picture.") from error
    return buffer.getvalue()


def country_set(*, user: User, country: str) -> User:
    """Set where the member watches (a code of COUNTRIES), as the streaming services page does."""
    country = (country or "").strip().upper()
    if country not in COUNTRIES:
        raise ValidationError({"country": "Pick a country from the list."})
    user.country = country
    user.save(update_fields=["country"])
    return user


@transaction.atomic
def profile_update(
    *,
    user: User,
    display_name: str,
    bio: str,
    country: str,
    diary_private_by_default: bool,
    avatar: bytes | None = None,
    avatar_clear: bool = False,
) -> User:
    """Save the member's own settings; the form has already cleaned the text (length, no NUL bytes)."""
    if country and country not in COUNTRIES:
        raise ValidationError({"country": "Pick a country from the list."})
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    user.country = country
    user.diary_private_by_default = diary_private_by_default
    fields = ["display_name", "bio", "country", "diary_private_by_default"]
    if avatar_clear and user.avatar:
        user.avatar.delete(save=False)
        user.avatar = ""
        fields.append("avatar")
    if avatar is not None:
        content = avatar_normalise(avatar)
        if user.avatar:
            user.avatar.delete(save=False)
        user.avatar.save(f"{user.pk}-{uuid.uuid4().hex[:8]}.jpg", ContentFile(content), save=False)
        fields.append("avatar")
    user.save(update_fields=fields)
    return user
