"""HTTP for clubs and memberships: parse, call a selector or a service, render. No decisions here.

Every handler first resolves the club through the visibility selectors, so a club the caller may
not see answers 404 (same body as an unknown or malformed id) on every verb and nested path.
"""

from __future__ import annotations

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from clubs import services
from clubs.filters import ClubFilter, MemberFilter, TieBreakOrderingFilter
from clubs.models import Club, ClubMember
from clubs.openapi import (
    CLUB_ID_NESTED_PARAMETER,
    CLUB_ID_PARAMETER,
    COMMON_ERRORS,
    FORBIDDEN_403,
    NOT_FOUND_404,
    USER_ID_PARAMETER,
    VALIDATION_400,
    conflict_409,
)
from clubs.selectors import (
    ClubRows,
    MemberRows,
    club_get_detail,
    club_get_visible,
    club_get_visible_with_access,
    club_member_get,
    club_members_list,
    club_version,
    parse_uuid,
)
from clubs.serializers import (
    ClubSerializer,
    ClubWriteSerializer,
    MemberSerializer,
    MemberUpdateSerializer,
    TransferOwnershipSerializer,
    club_representation,
)
from clubs.shapes import MEMBER
from clubs.sql import CLUB_ORDERABLE
from core import conditional, representations
from core.paginate import paginate

CLUB_FULL = ("club_full", "The club is full (5 members).")
ALREADY_MEMBER = ("already_member", "The user is already a member of this club.")
LAST_ADMIN = ("last_admin", "A club needs at least one active admin; promote another member first.")
OWNER_CANNOT_LEAVE = ("owner_cannot_leave", "The owner cannot leave; transfer ownership first.")
OWNER_MUST_BE_ADMIN = ("owner_must_be_admin", "The owner is always a club admin; transfer ownership first.")


@extend_schema_view(
    list=extend_schema(
        summary="List the clubs visible to the caller",
        description="Public clubs and clubs where the caller is an active member (every club for site admins).",
        responses={200: ClubSerializer(many=True), 400: VALIDATION_400, 404: NOT_FOUND_404, **COMMON_ERRORS},
    ),
)
class ClubViewSet(viewsets.GenericViewSet):
    """Clubs: list, create, read, edit, delete; leave, transfer ownership (join: `clubs.joining`)."""

    queryset = Club.objects.none()
    serializer_class = ClubSerializer
    filter_backends = [DjangoFilterBackend, TieBreakOrderingFilter]
    filterset_class = ClubFilter
    ordering_fields = list(CLUB_ORDERABLE)
    ordering = ["name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _render(self, club_id, *, status_code=status.HTTP_200_OK) -> Response:
        club = club_get_detail(user=self.request.user, club_id=club_id)
        return Response(club_representation(club), status=status_code)

    def list(self, request):
        # What `filter_queryset` would do with `filter_backends` (which stay for the schema), in
        # SQL: the same 400s from the same filter form, the same ordering terms.
        # The tag is made of what the page's rows were read with (each club's id and stamp, the
        # epoch) and the count: one statement for a page that holds the whole list, none of its
        # own for the version. A 304 still reads the page; it skips the rendering.
        filters = ClubFilter.rows_arguments(request.query_params)
        ordering = TieBreakOrderingFilter().get_ordering(request, None, self)
        rows = ClubRows(user=request.user, ordering=ordering, stamped=True, **filters)
        page = self.paginate_queryset(rows)
        count = self.paginator.page.paginator.count
        tag, answer = conditional.check(request, rows.version, count, conditional.caller(request.user))
        if answer is not None:
            return answer
        zone = timezone.get_current_timezone()
        response = self.get_paginated_response([club_representation(club, zone=zone) for club in page])
        return conditional.tagged(response, tag)

    @extend_schema(
        summary="Create a club",
        description="The caller becomes the owner and an active club admin. Site guests may not create clubs.",
        request=ClubWriteSerializer,
        responses={201: ClubSerializer, 400: VALIDATION_400, 403: FORBIDDEN_403, **COMMON_ERRORS},
    )
    def create(self, request):
        serializer = ClubWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "timezone" in data:
            data["timezone_name"] = data.pop("timezone")
        club = services.club_create(actor=request.user, **data)
        return self._render(club.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Read a club",
        parameters=[CLUB_ID_PARAMETER],
        responses={200: ClubSerializer, 404: NOT_FOUND_404, **COMMON_ERRORS},
    )
    def retrieve(self, request, pk=None):
        # Conditional and cached: the club's version and the caller's role in one statement; then a
        # 304, or the body every caller shares with the caller's `my_role` put in.
        user = request.user
        version, tag = self.retrieve_versioned(request, user=user, pk=pk)
        role = version.access.role
        if (answer := conditional.not_modified(request, tag)) is not None:
            return answer
        key = representations.key("club", version.club_id, version.epoch, version.stamp)
        shared = representations.get_or_build(
            key, lambda: {**club_representation(club_get_detail(user=user, club_id=version.club_id)), "my_role": None}
        )
        return conditional.tagged(Response({**shared, "my_role": role}), tag)

    @staticmethod
    def retrieve_versioned(request, *, user, pk):
        """(the club's version, the ETag) of `retrieve`, in one statement (core/revalidation.py)."""
        version = club_version(user=user, club_id=pk)
        return version, conditional.etag(
            request, version.epoch, version.stamp, conditional.caller(user), version.access.role
        )

    @extend_schema(
        summary="Edit a club",
        description="Club admins and site admins. `max_members` cannot go below the active member count (400).",
        parameters=[CLUB_ID_PARAMETER],
        request=ClubWriteSerializer(partial=True),
        responses={200: ClubSerializer, 400: VALIDATION_400, 403: FORBIDDEN_403, 404: NOT_FOUND_404, **COMMON_ERRORS},
    )
    def partial_update(self, request, pk=None):
        club = club_get_visible(user=request.user, club_id=pk)
        serializer = ClubWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.club_update(actor=request.user, club_id=club.pk, data=dict(serializer.validated_data))
        return self._render(club.pk)

    @extend_schema(
        summary="Delete a club",
        description="The owner and site admins. Events, RSVPs and items of the club go with it.",
        parameters=[CLUB_ID_PARAMETER],
        responses={
            204: OpenApiResponse(description="Deleted."),
            403: FORBIDDEN_403,
            404: NOT_FOUND_404,
            **COMMON_ERRORS,
        },
    )
    def destroy(self, request, pk=None):
        club = club_get_visible(user=request.user, club_id=pk)
        services.club_delete(actor=request.user, club_id=club.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Leave a club",
        description="The caller's membership turns inactive; their seats in upcoming events are released.",
        parameters=[CLUB_ID_PARAMETER],
        request=None,
        responses={
            204: OpenApiResponse(description="Left."),
            403: FORBIDDEN_403,
            404: NOT_FOUND_404,
            409: conflict_409("The owner cannot leave; nor can the last admin.", OWNER_CANNOT_LEAVE, LAST_ADMIN),
            **COMMON_ERRORS,
        },
    )
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        club = club_get_visible(user=request.user, club_id=pk)
        services.club_leave(actor=request.user, club_id=club.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Transfer ownership",
        description="The owner or a site admin hands the club to an active member, who becomes a club admin; "
        "the previous owner stays a club admin.",
        parameters=[CLUB_ID_PARAMETER],
        request=TransferOwnershipSerializer,
        responses={200: ClubSerializer, 400: VALIDATION_400, 403: FORBIDDEN_403, 404: NOT_FOUND_404, **COMMON_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="transfer-ownership")
    def transfer_ownership(self, request, pk=None):
        club = club_get_visible(user=request.user, club_id=pk)
        serializer = TransferOwnershipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.club_transfer_ownership(
            actor=request.user, club_id=club.pk, new_owner_id=serializer.validated_data["user_id"]
        )
        return self._render(club.pk)


@extend_schema_view(
    list=extend_schema(
        summary="List the members of a club",
        description="Current members unless `is_active` is given. `email` and `phone` only where the contract "
        "allows (the user themself, club admins, site admins).",
        parameters=[CLUB_ID_NESTED_PARAMETER],
        responses={200: MemberSerializer(many=True), 400: VALIDATION_400, 404: NOT_FOUND_404, **COMMON_ERRORS},
    ),
)
class ClubMemberViewSet(viewsets.GenericViewSet):
    """Memberships of one club, addressed by the member's user id. Adding one (POST on the list)
    is an invitation: `clubs.joining.views.ClubMemberInviteViewSet` extends this class with it."""

    queryset = ClubMember.objects.none()
    serializer_class = MemberSerializer
    filter_backends = [DjangoFilterBackend, TieBreakOrderingFilter]
    filterset_class = MemberFilter
    ordering_fields = ["joined_date", "books_read", "user__name"]
    ordering = ["joined_date"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_field = "user_id"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Resolved once, after authentication: every nested path 404s for a hidden club. A read
        # resolves it with its version (the same one statement): what its ETag is made of.
        if request.method in ("GET", "HEAD"):
            self.version = club_version(user=request.user, club_id=kwargs["club_id"])
            self.club, self.access = self.version.club, self.version.access
        else:
            self.club, self.access = club_get_visible_with_access(user=request.user, club_id=kwargs["club_id"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ClubMember.objects.none()
        return club_members_list(club=self.club)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "access"):
            context["access"] = self.access
        return context

    def _render(self, user_id, *, status_code=status.HTTP_200_OK) -> Response:
        member = club_member_get(club=self.club, user_id=user_id)
        return Response(MemberSerializer(member, context=self.get_serializer_context()).data, status=status_code)

    def list(self, request, club_id=None):
        # What `filter_queryset` and `MemberSerializer` would do (`filter_backends` stay for the
        # schema), in SQL and by the MEMBER shape's writer: the same 400s from the same filter form,
        # the same ordering terms, the same bytes; two queries (the club with the caller's role,
        # the page; a count only when the first page is full), whatever the number of members.
        filters = MemberFilter.rows_arguments(request.query_params)
        ordering = TieBreakOrderingFilter().get_ordering(request, None, self)
        rows = MemberRows(club=self.club, ordering=ordering, **filters)
        zone, access = timezone.get_current_timezone(), self.access
        tag, answer = self._conditional(request)
        if answer is not None:
            return answer

        def represent(page):
            return [MEMBER.represent(row, zone=zone, access=access) for row in page]

        return conditional.tagged(paginate(request, self, rows, represent=represent), tag)

    @extend_schema(
        summary="Read a membership",
        parameters=[CLUB_ID_NESTED_PARAMETER, USER_ID_PARAMETER],
        responses={200: MemberSerializer, 404: NOT_FOUND_404, **COMMON_ERRORS},
    )
    def retrieve(self, request, club_id=None, user_id=None):
        tag, answer = self._conditional(request, exists=False)
        if answer is not None:
            return answer
        return conditional.tagged(self._render(user_id), tag)

    def _conditional(self, request, *, exists: bool = True):
        # The club's stamp covers its memberships and its members' displayed columns; what a
        # caller sees of a member depends on their role and site role.
        return conditional.check(request, *self.version.parts, conditional.caller(request.user), exists=exists)

    @extend_schema(
        summary="Edit a membership",
        description="`role` and `books_read`: club admins; `is_active`: like add/remove. Only this club's "
        "membership is touched.",
        parameters=[CLUB_ID_NESTED_PARAMETER, USER_ID_PARAMETER],
        request=MemberUpdateSerializer,
        responses={
            200: MemberSerializer,
            400: VALIDATION_400,
            403: FORBIDDEN_403,
            404: NOT_FOUND_404,
            409: conflict_409(
                "The change would leave no admin, demote the owner, remove the owner, or overfill the club.",
                LAST_ADMIN,
                OWNER_MUST_BE_ADMIN,
                OWNER_CANNOT_LEAVE,
                CLUB_FULL,
            ),
            **COMMON_ERRORS,
        },
    )
    def partial_update(self, request, club_id=None, user_id=None):
        target = club_member_get(club=self.club, user_id=user_id)
        serializer = MemberUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.member_update(
            actor=request.user, club_id=self.club.pk, user_id=target.user_id, **serializer.validated_data
        )
        return self._render(target.user_id)

    @extend_schema(
        summary="Remove a member",
        description="The membership turns inactive (history and `books_read` are kept); the member's seats in "
        "upcoming events are released.",
        parameters=[CLUB_ID_NESTED_PARAMETER, USER_ID_PARAMETER],
        responses={
            204: OpenApiResponse(description="Removed."),
            403: FORBIDDEN_403,
            404: NOT_FOUND_404,
            409: conflict_409("The owner or the last admin cannot be removed.", OWNER_CANNOT_LEAVE, LAST_ADMIN),
            **COMMON_ERRORS,
        },
    )
    def destroy(self, request, club_id=None, user_id=None):
        target = club_member_get(club=self.club, user_id=parse_uuid(user_id))
        services.member_remove(actor=request.user, club_id=self.club.pk, user_id=target.user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
