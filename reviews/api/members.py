"""Member API: who am I, a member's public profile, and following other members."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from reviews import selectors, services


class MemberSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    bio = serializers.CharField()
    followers = serializers.IntegerField()
    following = serializers.IntegerField()
    films = serializers.IntegerField()


def _member_data(member, viewer) -> dict:
    counts = selectors.profile_counts(member=member, viewer=viewer)
    return {
        "username": member.username,
        "display_name": member.shown_name,
        "bio": member.bio,
        "followers": counts.followers,
        "following": counts.following,
        "films": counts.films,
    }


@extend_schema(responses=MemberSerializer)
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def me(request: Request) -> Response:
    return Response(_member_data(request.user, request.user))


@extend_schema(responses=MemberSerializer)
@api_view(["GET"])
@permission_classes([permissions.AllowAny])
def member(request: Request, username: str) -> Response:
    return Response(_member_data(selectors.member_by_username(username), request.user))


@extend_schema(request=None, responses={200: dict})
@api_view(["POST", "DELETE"])
@permission_classes([permissions.IsAuthenticated])
def follow(request: Request, username: str) -> Response:
    """POST follows the member, DELETE unfollows."""
    followed = selectors.member_by_username(username)
    if request.method == "DELETE":
        services.follow_delete(follower=request.user, followed=followed)
        return Response({"following": False}, status=status.HTTP_200_OK)
    services.follow_create(follower=request.user, followed=followed)  # following oneself is a 400
    return Response({"following": True}, status=status.HTTP_200_OK)
