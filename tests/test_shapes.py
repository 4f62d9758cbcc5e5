"""Every response body has exactly the keys its OpenAPI schema advertises (core/shapes.py).

One request per operation of the schema with a JSON success response, on real data; each body
(and every nested object and list item in it) must have the schema's `properties` as its keys,
no more and no fewer. A field declared in a shape but dropped by a writer, or written but not
declared, fails here. An operation of the schema that no case below calls fails too, so a new
endpoint needs its case.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from accounts.models import Role
from clubs.joining.models import Invite, JoinRequest
from tests.conftest import client_for
from tests.factories import (
    DEFAULT_PASSWORD,
    AvailabilityFactory,
    BookFactory,
    ClubFactory,
    ClubMemberFactory,
    EventFactory,
    EventItemFactory,
    PollFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FUTURE = str(dt.date.today() + dt.timedelta(days=30))


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema: dict, node: dict) -> dict:
    """`node` with `$ref` followed and a single-member `allOf` (a nullable reference) unwrapped."""
    while True:
        if "$ref" in node:
            node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
        elif "allOf" in node and len(node["allOf"]) == 1:
            node = node["allOf"][0]
        else:
            return node


def assert_matches(schema: dict, body, node: dict, where: str) -> int:
    """Assert the keys of `body` against `node` recursively; returns how many objects were checked."""
    node = _resolve(schema, node)
    if body is None:
        return 0
    if node.get("type") == "array":
        return sum(assert_matches(schema, item, node["items"], f"{where}[]") for item in body)
    if "properties" not in node:
        return 0
    assert set(body) == set(node["properties"]), (where, sorted(set(body) ^ set(node["properties"])))
    return 1 + sum(assert_matches(schema, body[key], node["properties"][key], f"{where}.{key}") for key in body)


@pytest.fixture
def world(settings):
    from webhooks.models import Webhook

    settings.WEBHOOK_ALLOW_PRIVATE = settings.WEBHOOK_ALLOW_HTTP = True  # the hooks below point at loopback
    owner = UserFactory(role=Role.ADMIN)
    member, newcomer, joiner = UserFactory(), UserFactory(), UserFactory()
    club = ClubFactory(owner=owner, is_public=True, max_members=None)
    ClubMemberFactory(club=club, user=member)
    event = EventFactory(club=club, event_date=dt.date.today() + dt.timedelta(days=10), max_attendees=1)
    AvailabilityFactory(event=event, user=member, status="available")
    item = EventItemFactory(event=event, created_by=owner, assigned_to=member)
    approval_club = ClubFactory(owner=owner, is_public=True, join_policy="approval")
    requests = [JoinRequest.objects.create(club=approval_club, user=UserFactory()) for _ in range(2)]
    invite = Invite.objects.create(
        club=club, code="shape-test-code", max_uses=5, expires_at=timezone.now() + dt.timedelta(days=1)
    )
    hook = Webhook.objects.create(club=club, url="http://127.0.0.1:9/hook", events=["event.created"], secret="s")
    return {
        "hook": hook,
        "approval_club": approval_club,
        "requests": requests,
        "invite": invite,
        "invitee": UserFactory(),
        "owner": owner,
        "member": member,
        "newcomer": newcomer,
        "joiner": joiner,
        "club": club,
        "event": event,
        "item": item,
        "book": BookFactory(club=club, isbn="9780141439549", cover_url="https://covers.test/m.jpg"),
        "poll": PollFactory(club=club),
    }


def _cases(world) -> list[tuple[str, str, str, object, object]]:
    """(user, method, path template, path values, body) of one call per operation, in order."""
    c, e, i = world["club"].pk, world["event"].pk, world["item"].pk
    b, p = world["book"].pk, world["poll"].pk
    option = str(world["poll"].options.order_by("position").first().pk)
    poll_body = {"question": "Snacks?", "kind": "text", "options": [{"label": "Tea"}, {"label": "Cake"}]}
    hook = {"club_id": c, "webhook_id": world["hook"].pk}
    member, newcomer = world["member"], world["newcomer"]
    a, (r1, r2), code = world["approval_club"].pk, world["requests"], world["invite"].code
    event_body = {"title": "Emma", "event_date": FUTURE, "event_time": "19:00", "location": "Attic"}
    return [
        (None, "get", "/api/v1/", {}, None),
        (None, "post", "/api/v1/auth/register/", {}, {"email": "new@example.com", "password": "a-Str0ng-pass-2026", "name": "N"}),
        (None, "post", "/api/v1/auth/login/", {}, {"email": member.email, "password": DEFAULT_PASSWORD}),
        ("refresh", "post", "/api/v1/auth/refresh/", {}, None),
        ("member", "get", "/api/v1/auth/me/", {}, None),
        ("member", "patch", "/api/v1/auth/me/", {}, {"name": "Renamed"}),
        ("member", "get", "/api/v1/auth/sessions/", {}, None),
        ("member", "get", "/api/v1/auth/me/calendar-feed/", {}, None),
        ("member", "post", "/api/v1/auth/me/calendar-feed/rotate/", {}, None),
        ("member", "get", "/api/v1/clubs/", {}, None),
        ("member", "post", "/api/v1/clubs/", {}, {"name": "Another club"}),
        ("member", "get", "/api/v1/clubs/{id}/", {"id": c}, None),
        ("owner", "patch", "/api/v1/clubs/{id}/", {"id": c}, {"description": "Novels"}),
        ("owner", "get", "/api/v1/clubs/{club_id}/activity/", {"club_id": c}, None),
        ("joiner", "post", "/api/v1/clubs/{club_id}/join/", {"club_id": c}, None),
        ("owner", "get", "/api/v1/clubs/{club_id}/join-requests/", {"club_id": a}, None),
        ("owner", "post", "/api/v1/clubs/{club_id}/join-requests/{request_id}/approve/", {"club_id": a, "request_id": r1.pk}, None),
        ("owner", "post", "/api/v1/clubs/{club_id}/join-requests/{request_id}/decline/", {"club_id": a, "request_id": r2.pk}, None),
        ("member", "get", "/api/v1/join-requests/", {}, None),
        ("owner", "get", "/api/v1/clubs/{club_id}/invites/", {"club_id": c}, None),
        ("owner", "post", "/api/v1/clubs/{club_id}/invites/", {"club_id": c}, {"email": "x@example.com", "role": "guest"}),
        ("invitee", "get", "/api/v1/invites/{code}/", {"code": code}, None),
        ("invitee", "post", "/api/v1/invites/{code}/accept/", {"code": code}, None),
        ("owner", "get", "/api/v1/clubs/{club_id}/webhooks/", {"club_id": c}, None),
        ("owner", "post", "/api/v1/clubs/{club_id}/webhooks/", {"club_id": c}, {"url": "http://127.0.0.1:9/h", "events": ["rsvp.changed"]}),
        ("owner", "get", "/api/v1/clubs/{club_id}/webhooks/{webhook_id}/", hook, None),
        ("owner", "patch", "/api/v1/clubs/{club_id}/webhooks/{webhook_id}/", hook, {"events": ["event.updated"]}),
        ("owner", "get", "/api/v1/clubs/{club_id}/webhooks/{webhook_id}/deliveries/", hook, None),
        ("owner", "get", "/api/v1/clubs/{club_id}/members/", {"club_id": c}, None),
        ("owner", "post", "/api/v1/clubs/{club_id}/members/", {"club_id": c}, {"user_id": str(newcomer.pk)}),
        ("owner", "get", "/api/v1/clubs/{club_id}/members/{user_id}/", {"club_id": c, "user_id": member.pk}, None),
        ("owner", "patch", "/api/v1/clubs/{club_id}/members/{user_id}/", {"club_id": c, "user_id": member.pk}, {"books_read": 3}),
        ("member", "get", "/api/v1/clubs/{club_id}/events/", {"club_id": c}, None),
        ("owner", "post", "/api/v1/clubs/{club_id}/events/", {"club_id": c}, event_body),
        ("member", "get", "/api/v1/events/", {}, None),
        ("member", "get", "/api/v1/events/{event_id}/", {"event_id": e}, None),
        ("owner", "patch", "/api/v1/events/{event_id}/", {"event_id": e}, {"location": "Cellar"}),
        ("member", "get", "/api/v1/events/{event_id}/availability/", {"event_id": e}, None),
        ("member", "get", "/api/v1/events/{event_id}/availability/me/", {"event_id": e}, None),
        ("owner", "put", "/api/v1/events/{event_id}/availability/me/", {"event_id": e}, {"status": "available", "notes": "x"}),
        ("owner", "put", "/api/v1/events/{event_id}/availability/{user_id}/", {"event_id": e, "user_id": newcomer.pk}, {"status": "maybe"}),
        ("member", "get", "/api/v1/events/{event_id}/items/", {"event_id": e}, None),
        ("member", "post", "/api/v1/events/{event_id}/items/", {"event_id": e}, {"name": "Tea", "category": "task"}),
        ("member", "get", "/api/v1/events/{event_id}/items/{item_id}/", {"event_id": e, "item_id": i}, None),
        ("owner", "patch", "/api/v1/events/{event_id}/items/{item_id}/", {"event_id": e, "item_id": i}, {"notes": "Green"}),
        ("member", "get", "/api/v1/notifications/", {}, None),
        ("member", "get", "/api/v1/auth/me/notification-settings/", {}, None),
        ("member", "patch", "/api/v1/auth/me/notification-settings/", {}, {"email": {"event_created": True}}),
        ("owner", "post", "/api/v1/events/{event_id}/cancel/", {"event_id": e}, {"reason": "Snowed in"}),
        ("member", "get", "/api/v1/clubs/{club_id}/books/", {"club_id": c}, None),
        ("owner", "post", "/api/v1/clubs/{club_id}/books/", {"club_id": c}, {"title": "Kindred", "isbn": "0441172717"}),
        ("member", "get", "/api/v1/clubs/{club_id}/books/{book_id}/", {"club_id": c, "book_id": b}, None),
        ("owner", "patch", "/api/v1/clubs/{club_id}/books/{book_id}/", {"club_id": c, "book_id": b}, {"author": "Eliot"}),
        ("owner", "post", "/api/v1/clubs/{club_id}/books/{book_id}/start/", {"club_id": c, "book_id": b}, None),
        ("member", "put", "/api/v1/clubs/{club_id}/books/{book_id}/reading/me/", {"club_id": c, "book_id": b}, {"status": "finished", "rating": 5}),
        ("member", "get", "/api/v1/clubs/{club_id}/books/{book_id}/reading/me/", {"club_id": c, "book_id": b}, None),
        ("member", "get", "/api/v1/clubs/{club_id}/books/{book_id}/reading/", {"club_id": c, "book_id": b}, None),
        ("member", "get", "/api/v1/clubs/{club_id}/polls/", {"club_id": c}, None),
        ("owner", "post", "/api/v1/clubs/{club_id}/polls/", {"club_id": c}, poll_body),
        ("member", "put", "/api/v1/polls/{poll_id}/vote/", {"poll_id": p}, {"options": [option]}),
        ("member", "get", "/api/v1/polls/{poll_id}/", {"poll_id": p}, None),
        ("owner", "post", "/api/v1/polls/{poll_id}/close/", {"poll_id": p}, {"apply": False}),
        ("owner", "post", "/api/v1/clubs/{id}/transfer-ownership/", {"id": c}, {"user_id": str(member.pk)}),
    ]  # fmt: skip


def _json_operations(schema: dict) -> set[tuple[str, str]]:
    found = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code, response in operation.get("responses", {}).items():
                if code.startswith("2") and "application/json" in response.get("content", {}):
                    found.add((method, path))
    return found


def test_every_response_has_exactly_the_keys_of_its_schema(schema, world):
    cases = _cases(world)
    assert {(method, path) for _, method, path, _, _ in cases} == _json_operations(schema)
    login = client_for(world["member"]).post(
        "/api/v1/auth/login/", {"email": world["member"].email, "password": DEFAULT_PASSWORD}, format="json"
    )
    checked = 0
    for who, method, path, values, body in cases:
        if who == "refresh":
            client, body = client_for(world["member"]), {"refresh": login.json()["refresh"]}
        else:
            client = client_for(world[who]) if who else client_for(world["member"])
            if who is None:
                client.credentials()
        response = getattr(client, method)(path.format(**values), body, format="json")
        assert response.status_code < 300, (method, path, response.status_code, response.content[:300])
        operation = schema["paths"][path][method]
        node = operation["responses"][str(response.status_code)]["content"]["application/json"]["schema"]
        checked += assert_matches(schema, response.json(), node, f"{method.upper()} {path}")
    assert checked > len(cases)  # nested objects (users, RSVPs, results) were checked too


def test_a_dropped_field_is_caught(schema):
    """The check itself: a body missing an advertised key (or carrying an extra one) fails."""
    event = _resolve(schema, {"$ref": "#/components/schemas/Event"})
    body = dict.fromkeys(event["properties"])
    assert assert_matches(schema, body, event, "Event") == 1
    with pytest.raises(AssertionError):
        assert_matches(schema, {k: v for k, v in body.items() if k != "book"}, event, "Event")
    with pytest.raises(AssertionError):
        assert_matches(schema, {**body, "extra": 1}, event, "Event")
