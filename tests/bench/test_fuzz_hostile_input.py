"""Schemathesis cases for hostile input that answered 500 (issue 11): Unicode digits in integer
query parameters, and JSON bodies nested 2,000 levels deep. Each case is built by Schemathesis from
the served OpenAPI schema, sent through the WSGI application and validated with its checks (no
5xx; the answer conforms to the documented schema), on every operation it applies to."""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from schemathesis.checks import not_a_server_error

from accounts.tokens import access_token_for
from clubs.joining.models import Invite, JoinRequest
from notifications.emails import unsubscribe_token
from tests.factories import (
    BookFactory,
    ClubFactory,
    EventFactory,
    EventItemFactory,
    PollFactory,
    UserFactory,
    WebhookFactory,
)

# `str.isdigit` accepts all of these; `int` rejects the first and reads the others.
UNICODE_DIGITS = ["²", "٣", "１０", "߁"]
DEEP = 2000


@pytest.fixture(scope="module")
def api_schema():
    schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    schema.app = get_wsgi_application()
    return schema


@pytest.fixture(autouse=True)
def _keep_test_transaction():
    """As Django's test client does: a request must not close the connection holding the test's
    transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db):
    """One of everything, so that path parameters name real rows the caller may write."""
    club = ClubFactory(is_public=True)
    event = EventFactory(club=club)
    item = EventItemFactory(event=event, created_by=club.owner)
    book, poll = BookFactory(club=club), PollFactory(club=club)
    join_request = JoinRequest.objects.create(club=club, user=UserFactory())
    invite = Invite.objects.create(
        club=club, code="hostile-input-code", max_uses=5, expires_at=timezone.now() + dt.timedelta(days=1)
    )
    hook = WebhookFactory(club=club)

    def headers() -> dict:
        # A fresh token each call: logout-all (which takes no body) revokes the previous ones.
        owner = type(club.owner).objects.get(pk=club.owner_id)
        return {"Authorization": f"Bearer {access_token_for(owner)}"}

    ids = {
        "id": club.pk,
        "club_id": club.pk,
        "event_id": event.pk,
        "item_id": item.pk,
        "book_id": book.pk,
        "poll_id": poll.pk,
        "webhook_id": hook.pk,
        "user_id": club.owner_id,
        "session_id": "00000000-0000-0000-0000-000000000000",
        "notification_id": "00000000-0000-0000-0000-000000000000",
        "token": unsubscribe_token(user_id=club.owner_id, kind="event_reminder"),
        "request_id": join_request.pk,
        "invite_id": invite.pk,
        "code": invite.code,
    }
    return {"headers": headers, "ids": ids}


def _operations(api_schema, predicate):
    found = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if predicate(operation):
            found.append(operation)
    return found


def _path_parameters(operation, ids):
    return {parameter.name: str(ids[parameter.name]) for parameter in operation.path_parameters}


def test_unicode_digits_in_integer_query_parameters_are_400(api_schema, world):
    def integer_query(operation):
        return any(p.definition.get("schema", {}).get("type") == "integer" for p in operation.query)

    operations = _operations(api_schema, integer_query)
    assert len(operations) >= 5  # every list: clubs, members, events (two), RSVPs, items, sessions
    failures = []
    for operation in operations:
        names = [p.name for p in operation.query if p.definition.get("schema", {}).get("type") == "integer"]
        for name in names:
            for digits in UNICODE_DIGITS:
                case = operation.Case(path_parameters=_path_parameters(operation, world["ids"]), query={name: digits})
                response = case.call(headers=world["headers"]())
                case.validate_response(response, checks=[not_a_server_error])
                if response.status_code != 400:
                    failures.append((operation.label, name, digits, response.status_code))
    assert not failures, failures


def test_json_nested_2000_levels_is_a_400_on_every_operation_with_a_body(api_schema, world):
    body = ("[" * DEEP + "]" * DEEP).encode()
    operations = _operations(api_schema, lambda operation: operation.method.upper() in {"POST", "PUT", "PATCH"})
    assert len(operations) >= 15
    failures = []
    for operation in operations:
        for authenticated in (True, False):  # anonymous callers reach the parser too
            case = operation.Case(
                path_parameters=_path_parameters(operation, world["ids"]), body={}, media_type="application/json"
            )
            response = case.call(headers=world["headers"]() if authenticated else {}, data=body)
            case.validate_response(response, checks=[not_a_server_error])
            if response.status_code == 401 and not authenticated:
                continue  # refused before the body is read
            if not operation.body:
                continue  # takes no body (logout-all, join, ...), so never reads it; no 5xx was checked above
            errors = response.json().get("errors", [{}])
            if response.status_code != 400 or errors[0].get("code") != "parse_error":
                failures.append((operation.label, authenticated, response.status_code, errors[0].get("code")))
    assert not failures, failures
