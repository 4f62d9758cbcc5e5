"""HTTP for polls: parse, call a selector or a service, render. A poll of a club the caller may
not see is a 404 on every verb (the same body as an unknown or malformed id)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from books.polls import selectors, services
from books.polls.serializers import (
    CloseSerializer,
    PollCreateSerializer,
    PollFilterSerializer,
    PollSerializer,
    VoteSerializer,
)
from clubs.openapi import conflict_409, error_response
from clubs.selectors import club_get_visible_with_access, club_version
from core import conditional
from core.paginate import paginate
from core.pagination import PageNumberPagination
from core.responses import errors, path_ids

TAGS = ["polls"]
POLL_CLOSED = ("poll_closed", "The poll is closed.")
NOT_A_VOTER_403 = error_response(
    403,
    "The caller may see the poll but does not vote in its club (guests, site staff who are not members).",
    ("not_a_voter", "Only members of the club other than guests vote."),
)


def _render(poll_id, request, *, status_code=status.HTTP_200_OK) -> Response:
    _poll, body, _access = selectors.poll_detail(user=request.user, poll_id=poll_id)
    return Response(body, status=status_code)


@extend_schema(parameters=path_ids("club_id"))
class ClubPollListView(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        tags=TAGS,
        operation_id="polls_list",
        summary="The club's polls, newest first",
        parameters=[PollFilterSerializer],
        responses={200: PollSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request, club_id):
        # Visibility (404) with the version, in one statement; then the filters (400).
        version = club_version(user=request.user, club_id=club_id, scopes=selectors.POLL_SCOPES)
        params = PollFilterSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        tag, answer = conditional.check(request, *version.parts, conditional.caller(request.user))
        if answer is not None:
            return answer
        rows = selectors.polls_of_club(club=version.club, **params.validated_data)
        response = paginate(
            request, self, rows, represent=lambda page: selectors.polls_represent(list(page), user=request.user)
        )
        return conditional.tagged(response, tag)

    @extend_schema(
        tags=TAGS,
        operation_id="polls_create",
        summary="Open a poll (club moderators and admins); the members are told",
        request=PollCreateSerializer,
        responses={201: PollSerializer, **errors(400, 403, 404)},
    )
    def post(self, request, club_id):
        club, access = club_get_visible_with_access(user=request.user, club_id=club_id)
        services.poll_manage_check(access=access)
        body = PollCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        poll = services.poll_create(actor=request.user, club_id=club.pk, **body.validated_data)
        return _render(poll.pk, request, status_code=status.HTTP_201_CREATED)


@extend_schema(parameters=path_ids("poll_id"))
class PollDetailView(APIView):
    @extend_schema(
        tags=TAGS, operation_id="polls_retrieve", summary="A poll", responses={200: PollSerializer, **errors(404)}
    )
    def get(self, request, poll_id):
        # The poll, its parts and its version in one statement; the body is built after a miss.
        poll, access, version, body = selectors.poll_detail_versioned(user=request.user, poll_id=poll_id)
        tag, answer = conditional.check(request, *version, access.role, conditional.caller(request.user))
        if answer is not None:
            return answer
        return conditional.dated(conditional.tagged(Response(body()), tag), poll.updated_at)

    @extend_schema(
        tags=TAGS,
        operation_id="polls_destroy",
        summary="Delete a poll with its ballots (club moderators and admins)",
        responses={204: None, **errors(403, 404)},
    )
    def delete(self, request, poll_id):
        poll, access = selectors.poll_get_visible(user=request.user, poll_id=poll_id)
        services.poll_manage_check(access=access)
        services.poll_delete(actor=request.user, poll_id=poll.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=path_ids("poll_id"))
class PollVoteView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="polls_vote",
        summary="Cast or replace the caller's ballot (members other than guests: else 403 `not_a_voter`)",
        request=VoteSerializer,
        responses={
            200: PollSerializer,
            **errors(400, 404),
            403: NOT_A_VOTER_403,
            409: conflict_409("The poll is closed.", POLL_CLOSED),
        },
    )
    def put(self, request, poll_id):
        poll, access = selectors.poll_get_visible(user=request.user, poll_id=poll_id)
        services.poll_vote_check(access=access)
        body = VoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.poll_vote(actor=request.user, poll_id=poll.pk, option_ids=body.validated_data["options"])
        return _render(poll.pk, request)

    @extend_schema(
        tags=TAGS,
        operation_id="polls_unvote",
        summary="Withdraw the caller's ballot",
        responses={
            204: None,
            **errors(404),
            403: NOT_A_VOTER_403,
            409: conflict_409("The poll is closed.", POLL_CLOSED),
        },
    )
    def delete(self, request, poll_id):
        poll, access = selectors.poll_get_visible(user=request.user, poll_id=poll_id)
        services.poll_vote_check(access=access)
        services.poll_unvote(actor=request.user, poll_id=poll.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=path_ids("poll_id"))
class PollCloseView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="polls_close",
        summary="Close the poll and decide its winner; `apply` on a book poll starts the winning book",
        request=CloseSerializer,
        responses={200: PollSerializer, **errors(400, 403, 404), 409: conflict_409("Already closed.", POLL_CLOSED)},
    )
    def post(self, request, poll_id):
        poll, access = selectors.poll_get_visible(user=request.user, poll_id=poll_id)
        services.poll_manage_check(access=access)
        body = CloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.poll_close(actor=request.user, poll_id=poll.pk, apply=body.validated_data["apply"])
        return _render(poll.pk, request)
