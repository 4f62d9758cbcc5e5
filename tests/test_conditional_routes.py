"""Every GET under /api/v1/ answers a strong ETag, and `If-None-Match` with it answers 304 without
a body (docs/architecture.md, "Versions, ETags and cached representations").

The routes are walked from the URL conf, so a GET added later without a tag fails here. Each GET
route needs its path's ids (`ids` below): a new path parameter fails `test_every_get_route_is_known`
until it has one. The per-endpoint tests (what changes a tag, whose writes matter) live beside
each app's tests (tests/*/test_conditional*.py)."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import client_for
from tests.factories import (
    AvailabilityFactory,
    BookFactory,
    ClubMemberFactory,
    EventFactory,
    EventItemFactory,
    InviteFactory,
    JoinRequestFactory,
    NotificationFactory,
    PollFactory,
    ReadingEntryFactory,
    RefreshTokenFactory,
    UserFactory,
    WebhookAttemptFactory,
    WebhookFactory,
)

pytestmark = pytest.mark.django_db

# GETs under /api/v1/ that are not representations of Bookwork's data: the OpenAPI schema and the
# Swagger UI (static for a deploy; drf-spectacular's own views).
NOT_TAGGED = {"schema", "docs"}


def _routes(patterns=None, prefix: str = "") -> list[tuple[str, str, object]]:
    """(route text, URL name, callback) of every URL pattern, includes flattened."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            found += _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append((prefix + str(entry.pattern), entry.name, entry.callback))
    return found


def _serves_get(callback) -> bool:
    actions = getattr(callback, "actions", None)
    if actions is not None:  # a ViewSet's `as_view(actions)`
        return "get" in actions
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    return view_class is not None and hasattr(view_class, "get") and "get" in view_class.http_method_names


def api_get_routes() -> list[tuple[str, str]]:
    """(route, URL name) of every GET route under /api/v1/ (the schema and docs aside)."""
    return sorted(
        (route, name)
        for route, name, callback in _routes()
        if route.startswith("api/v1/") and _serves_get(callback) and name not in NOT_TAGGED
    )


@pytest.fixture
def world():
    """One club with one of each thing a GET shows, its owner (a club admin) as the caller."""
    member = ClubMemberFactory(club__is_public=False)
    club, owner = member.club, member.club.owner
    event = EventFactory(club=club)
    item = EventItemFactory(event=event)
    AvailabilityFactory(event=event, user=owner)
    AvailabilityFactory(event=event, user=member.user)
    book = BookFactory(club=club)
    ReadingEntryFactory(book=book, user=owner)
    poll = PollFactory(club=club)
    hook = WebhookFactory(club=club)
    WebhookAttemptFactory(delivery__webhook=hook)
    join_request = JoinRequestFactory(club=club, user=owner)
    JoinRequestFactory(club=club)
    guest = UserFactory()
    invite = InviteFactory(club=club, user=guest)
    NotificationFactory(user=owner)
    RefreshTokenFactory(user=owner)
    ids = {
        "pk": club.pk,
        "club_id": club.pk,
        "user_id": member.user_id,
        "event_id": event.pk,
        "item_id": item.pk,
        "book_id": book.pk,
        "poll_id": poll.pk,
        "webhook_id": hook.pk,
        "request_id": join_request.pk,
        "code": invite.code,
    }
    # Who may GET what: the invite's preview is for the invited user only.
    callers = {"invite-preview": guest}
    return ids, owner, callers


def _path(name: str, route: str, ids: dict) -> str:
    names = [part.split(">")[0].split(":")[-1] for part in route.split("<")[1:]]
    names += [part.split(">")[0] for part in route.split("(?P<")[1:]]
    return reverse(name, kwargs={key: ids[key] for key in names})


def test_the_walk_sees_the_gets():
    names = {name for _route, name in api_get_routes()}
    assert {"api-index", "auth-me", "club-list", "club-detail", "events", "event-calendar", "poll"} <= names
    assert "auth-login" not in names and "notifications-read" not in names


def test_every_get_route_is_known(world):
    ids, _owner, _callers = world
    for route, name in api_get_routes():
        _path(name, route, ids)  # a KeyError names a parameter the fixture does not fill


@pytest.mark.parametrize(("route", "name"), api_get_routes(), ids=[name for _route, name in api_get_routes()])
def test_every_get_has_a_strong_etag_and_answers_304(world, route, name):
    ids, owner, callers = world
    client = client_for(callers.get(name, owner))
    path = _path(name, route, ids)
    first = client.get(path)
    assert first.status_code == 200, (path, first.content[:300])
    tag = first.get("ETag")
    assert tag and tag.startswith('"') and tag.endswith('"'), (path, tag)
    assert "private" in first["Cache-Control"] and "Authorization" in first["Vary"]
    again = client.get(path, HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 304, path
    assert again.content == b"" and again["ETag"] == tag
    assert client.get(path, HTTP_IF_NONE_MATCH=f'W/{tag}, "other"').status_code == 304
    assert client.get(path, HTTP_IF_NONE_MATCH='"other"').status_code == 200
