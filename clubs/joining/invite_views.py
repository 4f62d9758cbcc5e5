"""HTTP of invites: the club's list, create and revoke (moderators and admins), and the code
holder's preview and accept (throttled per user and per IP)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clubs.joining import invites
from clubs.joining.models import Invite
from clubs.joining.openapi import (
    ALREADY_MEMBER,
    CLUB_FULL,
    CODE_NOT_FOUND_404,
    CODE_PARAMETER,
    INVITE_ID_PARAMETER,
)
from clubs.joining.selectors import club_invites, invite_club_version, invite_preview
from clubs.joining.serializers import InviteCreateSerializer, InvitePreviewSerializer, InviteSerializer
from clubs.joining.throttling import InviteCodeIPRateThrottle, InviteCodeUserRateThrottle
from clubs.joining.views import member_body
from clubs.openapi import (
    CLUB_ID_NESTED_PARAMETER,
    COMMON_ERRORS,
    FORBIDDEN_403,
    NOT_FOUND_404,
    VALIDATION_400,
    conflict_409,
)
from clubs.selectors import club_get_visible, club_version, parse_uuid
from clubs.serializers import MemberSerializer
from core import conditional
from core.throttling import UserRateThrottle


class ClubInviteList(generics.ListCreateAPIView):
    serializer_class = InviteSerializer
    queryset = Invite.objects.none()
    filter_backends: list = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # With its version (`club.joins`: the invites) for a read's ETag, in the same statement.
        self.version = club_version(user=request.user, club_id=kwargs["club_id"], scopes=("club.joins",))
        self.club = self.version.club
        invites.invites_manage_check(access=self.version.access)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Invite.objects.none()
        return club_invites(club=self.club)

    @extend_schema(
        summary="List a club's invites",
        description="Club moderators, admins and site admins (403 for other members); newest first, usable or not.",
        parameters=[CLUB_ID_NESTED_PARAMETER],
        responses={200: InviteSerializer(many=True), 403: FORBIDDEN_403, 404: NOT_FOUND_404, **COMMON_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        # `initial` answered 404 and 403. The links are made from PUBLIC_URL (a setting).
        tag, answer = conditional.check(
            request, *self.version.parts, conditional.caller(request.user), settings.PUBLIC_URL
        )
        if answer is not None:
            return answer
        return conditional.tagged(super().get(request, *args, **kwargs), tag)

    @extend_schema(
        summary="Create an invite",
        description="With `email`: for that account alone, one use. Without: a link (default 10 uses). Expires "
        "in `expires_in_hours` (default 168, at most 720). Moderators invite as member or guest, admins also as "
        "moderator or admin.",
        parameters=[CLUB_ID_NESTED_PARAMETER],
        request=InviteCreateSerializer,
        responses={
            201: InviteSerializer,
            400: VALIDATION_400,
            403: FORBIDDEN_403,
            404: NOT_FOUND_404,
            **COMMON_ERRORS,
        },
    )
    def post(self, request, club_id):
        body = InviteCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        invite = invites.invite_create(actor=request.user, club_id=self.club.pk, **body.validated_data)
        return Response(InviteSerializer(invite).data, status=status.HTTP_201_CREATED)


class ClubInviteDetail(APIView):
    @extend_schema(
        summary="Revoke an invite",
        description="Its code stops working at once. Moderators revoke invites as member or guest; admins any.",
        parameters=[CLUB_ID_NESTED_PARAMETER, INVITE_ID_PARAMETER],
        responses={
            204: OpenApiResponse(description="Revoked."),
            403: FORBIDDEN_403,
            404: NOT_FOUND_404,
            **COMMON_ERRORS,
        },
    )
    def delete(self, request, club_id, invite_id):
        club = club_get_visible(user=request.user, club_id=club_id)
        invites.invite_revoke(actor=request.user, club_id=club.pk, invite_id=parse_uuid(invite_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class InviteCodeMixin:
    # The usual per-user budget, plus the tight per-user and per-IP limits of code lookups.
    throttle_classes = [UserRateThrottle, InviteCodeUserRateThrottle, InviteCodeIPRateThrottle]


class InvitePreview(InviteCodeMixin, APIView):
    @extend_schema(
        summary="Preview an invite",
        description="Any signed-in user holding a usable code meant for them.",
        parameters=[CODE_PARAMETER],
        responses={200: InvitePreviewSerializer, 404: CODE_NOT_FOUND_404, **COMMON_ERRORS},
    )
    def get(self, request, code):
        # The invite's usability (404) first; then its club's stamps (the club's row, its member
        # count and its members' names, the invite's own row via `club.joins`).
        invite = invites.invite_for(user=request.user, code=code)
        tag, answer = conditional.check(request, *invite_club_version(invite=invite), conditional.caller(request.user))
        if answer is not None:
            return answer
        return conditional.tagged(Response(InvitePreviewSerializer(invite_preview(invite=invite)).data), tag)


class InviteAccept(InviteCodeMixin, APIView):
    @extend_schema(
        summary="Accept an invite",
        description="The caller becomes a member of the club with the invite's role.",
        parameters=[CODE_PARAMETER],
        request=None,
        responses={
            201: MemberSerializer,
            404: CODE_NOT_FOUND_404,
            409: conflict_409("The club is full, or the caller is already a member.", CLUB_FULL, ALREADY_MEMBER),
            **COMMON_ERRORS,
        },
    )
    def post(self, request, code):
        member = invites.invite_accept(actor=request.user, code=code)
        return member_body(request, member.club, member, status_code=status.HTTP_201_CREATED)
