"""Account API: API tokens, issued through the same checks as the web login."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import AccountNotAllowed, LoginRateLimited, LoginRefused, api_token_issue


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="Username or e-mail address", max_length=254, trim_whitespace=True)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})

    def validate(self, attrs: dict) -> dict:
        # PostgreSQL cannot store or compare NUL; refuse it here rather than fail deep inside a lookup.
        if any("\x00" in value for value in attrs.values()):
            raise ValidationError("Null characters are not allowed.")
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class ObtainToken(APIView):
    """POST a username (or e-mail address) and password; get the member's API token.

    The same checks as the web login apply: allauth's failed-login limits (429 when hit), inactive
    accounts, and mandatory e-mail verification (403 until the address is verified).
    """

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    serializer_class = TokenRequestSerializer

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong credentials or a malformed request"),
            403: OpenApiResponse(description="Inactive account, or e-mail address not verified"),
            429: OpenApiResponse(description="Too many failed logins or requests; try again later"),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token = api_token_issue(
                request=request._request,
                login=serializer.validated_data["username"],
                password=serializer.validated_data["password"],
            )
        except LoginRateLimited as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        except AccountNotAllowed as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_403_FORBIDDEN)
        except LoginRefused as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"token": token.key})
