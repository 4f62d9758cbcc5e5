"""HTTP of getting into a club: join (every policy), adding a member (an invite, or a staff add),
join requests. Invites are in `invite_views.py`. No decisions here: every handler resolves the
club through the visibility selectors (404 for a hidden club) and calls a service."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clubs import services as club_services
from clubs.filters import TieBreakOrderingFilter
from clubs.joining import invites, services
from clubs.joining.models import JoinRequest
from clubs.joining.openapi import ALREADY_MEMBER, CLUB_FULL, INVITE_REQUIRED_403, NOT_PENDING, REQUEST_ID_PARAMETER
from clubs.joining.selectors import (
    JoinRequestFilter,
    club_join_requests,
    my_join_requests_version,
    user_join_requests,
)
from clubs.joining.serializers import (
    InviteSerializer,
    JoinBodySerializer,
    JoinRequestSerializer,
    MemberInviteSerializer,
)
from clubs.openapi import (
    CLUB_ID_NESTED_PARAMETER,
    COMMON_ERRORS,
    FORBIDDEN_403,
    NOT_FOUND_404,
    VALIDATION_400,
    conflict_409,
)
from clubs.selectors import (
    club_access,
    club_get_visible,
    club_member_get,
    club_version,
    parse_uuid,
)
from clubs.serializers import MemberSerializer
from clubs.views import ClubMemberViewSet
from core import conditional


def member_body(request, club, member, *, status_code) -> Response:
    access = club_access(user=request.user, club=club)
    return Response(MemberSerializer(member, context={"access": access}).data, status=status_code)


class ClubJoinView(APIView):
    @extend_schema(
        operation_id="clubs_join_create",
        summary="Join a club, or ask to",
        description="`open`: 201 the membership. `approval`: 202 the caller's new pending join request, or 200 "
        "the one already pending (never a second). `invite` (every private club): 403 `invite_required`.",
        parameters=[CLUB_ID_NESTED_PARAMETER],
        request=JoinBodySerializer,
        responses={
            201: MemberSerializer,
            202: JoinRequestSerializer,
            200: JoinRequestSerializer,
            400: VALIDATION_400,
            403: INVITE_REQUIRED_403,
            404: NOT_FOUND_404,
            409: conflict_409("The club is full, or the caller is already a member.", CLUB_FULL, ALREADY_MEMBER),
            **COMMON_ERRORS,
        },
    )
    def post(self, request, club_id):
        club = club_get_visible(user=request.user, club_id=club_id)
        body = JoinBodySerializer(data=request.data if request.data is not None else {})
        body.is_valid(raise_exception=True)
        outcome = services.join_ask(actor=request.user, club_id=club.pk, message=body.validated_data.get("message", ""))
        if outcome.member is not None:
            return member_body(request, club, outcome.member, status_code=status.HTTP_201_CREATED)
        code = status.HTTP_202_ACCEPTED if outcome.created else status.HTTP_200_OK
        return Response(JoinRequestSerializer(outcome.request).data, status=code)


@extend_schema_view(
    list=extend_schema(
        summary="List the members of a club",
        description="Current members unless `is_active` is given. `email` and `phone` only where the contract "
        "allows (the user themself, club admins, site admins).",
        parameters=[CLUB_ID_NESTED_PARAMETER],
        responses={200: MemberSerializer(many=True), 400: VALIDATION_400, 404: NOT_FOUND_404, **COMMON_ERRORS},
    ),
)
class ClubMemberInviteViewSet(ClubMemberViewSet):
    """The member list of `clubs.views`, whose POST invites (this app owns invitations)."""

    @extend_schema(
        summary="Invite a member (site admins: add)",
        description="By `user_id` or `email`. Club moderators (roles member, guest) and admins (any role) get "
        "202 and a personal invite: the person becomes a member only by accepting it. Repeating it for the same "
        "person while the invite is usable answers 200 and that invite. Site admins add directly: 201 and the "
        "membership. An invite by user id never shows that user's email or phone.",
        parameters=[CLUB_ID_NESTED_PARAMETER],
        request=MemberInviteSerializer,
        responses={
            201: MemberSerializer,
            202: InviteSerializer,
            200: InviteSerializer,
            400: VALIDATION_400,
            403: FORBIDDEN_403,
            404: NOT_FOUND_404,
            409: conflict_409("The club is full, or the user is already a member.", CLUB_FULL, ALREADY_MEMBER),
            **COMMON_ERRORS,
        },
    )
    def create(self, request, club_id=None):
        club_services.member_add_check(access=self.access)
        body = MemberInviteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        member, invite, created = invites.member_add_or_invite(
            actor=request.user, club_id=self.club.pk, user=data["user"], email=data.get("email"), role=data["role"]
        )
        if member is not None:
            member = club_member_get(club=self.club, user_id=member.user_id)
            return Response(
                MemberSerializer(member, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
            )
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(InviteSerializer(invite).data, status=code)


class ClubJoinRequestList(generics.ListAPIView):
    serializer_class = JoinRequestSerializer
    filter_backends = [DjangoFilterBackend, TieBreakOrderingFilter]
    filterset_class = JoinRequestFilter
    ordering_fields = ["created_at"]
    ordering = ["created_at"]
    queryset = JoinRequest.objects.none()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # With its version (`club.joins`: the requests and their authors' names): the ETag's.
        self.version = club_version(user=request.user, club_id=kwargs["club_id"], scopes=("club.joins",))
        self.club = self.version.club
        services.join_requests_review_check(access=self.version.access)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return JoinRequest.objects.none()
        return club_join_requests(club=self.club)

    @extend_schema(
        summary="List a club's join requests",
        description="Club moderators, admins and site admins (403 for other members); `?status=`.",
        parameters=[CLUB_ID_NESTED_PARAMETER],
        responses={
            200: JoinRequestSerializer(many=True),
            400: VALIDATION_400,
            403: FORBIDDEN_403,
            404: NOT_FOUND_404,
            **COMMON_ERRORS,
        },
    )
    def get(self, request, *args, **kwargs):
        # `initial` answered 404 and 403.
        tag, answer = conditional.check(request, *self.version.parts, conditional.caller(request.user))
        if answer is not None:
            return answer
        return conditional.tagged(super().get(request, *args, **kwargs), tag)


class JoinRequestDecisionView(APIView):
    decision = ""

    def post(self, request, club_id, request_id):
        club = club_get_visible(user=request.user, club_id=club_id)
        request_id = parse_uuid(request_id)
        if self.decision == "approve":
            member = services.join_request_approve(actor=request.user, club_id=club.pk, request_id=request_id)
            return member_body(request, club, member, status_code=status.HTTP_200_OK)
        join_request = services.join_request_decline(actor=request.user, club_id=club.pk, request_id=request_id)
        return Response(JoinRequestSerializer(join_request).data)


class JoinRequestApproveView(JoinRequestDecisionView):
    decision = "approve"

    @extend_schema(
        summary="Approve a join request",
        description="The requester becomes a member (same capacity rule as a join). Club moderators and admins.",
        parameters=[CLUB_ID_NESTED_PARAMETER, REQUEST_ID_PARAMETER],
        request=None,
        responses={
            200: MemberSerializer,
            403: FORBIDDEN_403,
            404: NOT_FOUND_404,
            409: conflict_409(
                "The club is full, the requester is already a member, or the request is no longer pending.",
                CLUB_FULL,
                ALREADY_MEMBER,
                NOT_PENDING,
            ),
            **COMMON_ERRORS,
        },
    )
    def post(self, request, club_id, request_id):
        return super().post(request, club_id, request_id)


class JoinRequestDeclineView(JoinRequestDecisionView):
    decision = "decline"

    @extend_schema(
        summary="Decline a join request",
        parameters=[CLUB_ID_NESTED_PARAMETER, REQUEST_ID_PARAMETER],
        request=None,
        responses={
            200: JoinRequestSerializer,
            403: FORBIDDEN_403,
            404: NOT_FOUND_404,
            409: conflict_409("The request is no longer pending.", NOT_PENDING),
            **COMMON_ERRORS,
        },
    )
    def post(self, request, club_id, request_id):
        return super().post(request, club_id, request_id)


class MyJoinRequestList(generics.ListAPIView):
    serializer_class = JoinRequestSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = JoinRequestFilter
    queryset = JoinRequest.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return JoinRequest.objects.none()
        return user_join_requests(user=self.request.user)

    @extend_schema(
        summary="List my join requests",
        description="The caller's own join requests, newest first; `?status=`.",
        responses={200: JoinRequestSerializer(many=True), 400: VALIDATION_400, **COMMON_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        version = my_join_requests_version(user=request.user)
        tag, answer = conditional.check(request, *version, conditional.caller(request.user))
        if answer is not None:
            return answer
        return conditional.tagged(super().get(request, *args, **kwargs), tag)


class MyJoinRequestDetail(APIView):
    @extend_schema(
        summary="Withdraw my join request",
        parameters=[REQUEST_ID_PARAMETER],
        responses={
            204: OpenApiResponse(description="Withdrawn."),
            404: NOT_FOUND_404,
            409: conflict_409("The request is no longer pending.", NOT_PENDING),
            **COMMON_ERRORS,
        },
    )
    def delete(self, request, request_id):
        services.join_request_withdraw(actor=request.user, request_id=parse_uuid(request_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
