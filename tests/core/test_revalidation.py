"""The revalidation before the view (core/revalidation.py): a current tag is answered 304 without
entering DRF's view, with the view's own tag and headers; anything else reaches the view, which
answers as before, with the caller authenticated and counted once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone
from rest_framework.views import APIView

from accounts.models import User
from accounts.usercache import user_cache_forget
from core.throttling import UserRateThrottle
from tests.core.test_throttling import redis_cache  # noqa: F401 (a fixture)
from tests.events.helpers import make_world
from tests.factories import AvailabilityFactory, EventItemFactory

pytestmark = pytest.mark.django_db

NAMES = ["event", "club_events", "upcoming", "items", "item", "rsvps", "my_rsvp", "club"]


def _world_and_paths():
    world = make_world()
    item = EventItemFactory(event=world.event)
    AvailabilityFactory(event=world.event, user=world.users["member"])
    event, club = world.event.pk, world.club.pk
    paths = {
        "event": f"/api/v1/events/{event}/",
        "club_events": f"/api/v1/clubs/{club}/events/",
        "upcoming": f"/api/v1/clubs/{club}/events/?upcoming=true",
        "items": f"/api/v1/events/{event}/items/",
        "item": f"/api/v1/events/{event}/items/{item.pk}/",
        "rsvps": f"/api/v1/events/{event}/availability/",
        "my_rsvp": f"/api/v1/events/{event}/availability/me/",
        "club": f"/api/v1/clubs/{club}/",
    }
    return world, paths


@pytest.fixture
def views_entered(monkeypatch):
    """The names of the DRF views whose request cycle (`initial`) ran."""
    entered: list[str] = []
    initial = APIView.initial

    def counting(self, request, *args, **kwargs):
        entered.append(type(self).__name__)
        return initial(self, request, *args, **kwargs)

    monkeypatch.setattr(APIView, "initial", counting)
    return entered


@pytest.mark.parametrize("name", NAMES)
def test_a_current_tag_is_answered_before_the_view(name, views_entered, monkeypatch):
    # "upcoming" is judged at the current second, which is part of its tag: held still here, so
    # the three requests cannot straddle a second.
    second = timezone.now().replace(microsecond=0) + dt.timedelta(seconds=1)
    monkeypatch.setattr("events.views._next_second", lambda: second)
    world, paths = _world_and_paths()
    client = world.client("member")
    first = client.get(paths[name])
    assert first.status_code == 200, first.content
    tag = first["ETag"]
    views_entered.clear()

    again = client.get(paths[name], HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 304
    assert views_entered == [], "a 304 without DRF's request cycle"
    assert again.content == b""
    for header in ("ETag", "Cache-Control", "Vary"):
        assert again[header] == first[header], header

    stale = client.get(paths[name], HTTP_IF_NONE_MATCH='"stale"')
    assert stale.status_code == 200 and len(views_entered) == 1
    assert stale["ETag"] == tag and stale.json() == first.json()


def test_what_is_not_a_plain_revalidation_is_the_views(views_entered):
    world, paths = _world_and_paths()
    client = world.client("member")
    path = paths["event"]
    tag = client.get(path)["ETag"]
    views_entered.clear()
    # A cross-origin request (CORS answers it), and a format the fast path does not judge.
    for headers in ({"HTTP_ORIGIN": "https://elsewhere.example"}, {"HTTP_ACCEPT": "application/json; indent=4"}):
        response = client.get(path, HTTP_IF_NONE_MATCH=tag, **headers)
        assert views_entered, headers
        assert response.status_code in (200, 304)
        views_entered.clear()


def test_a_revoked_token_is_401_and_an_outsider_404_never_304():
    world, paths = _world_and_paths()
    member = world.client("member")
    tag = member.get(paths["event"])["ETag"]
    user = world.users["member"]
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    user_cache_forget([user.pk])
    assert member.get(paths["event"], HTTP_IF_NONE_MATCH=tag).status_code == 401
    hidden = make_world(club_public=False)
    path = f"/api/v1/events/{hidden.event.pk}/"
    tag = hidden.client("member").get(path)["ETag"]
    for header in (tag, "*"):
        assert hidden.client("outsider").get(path, HTTP_IF_NONE_MATCH=header).status_code == 404


def test_each_request_counts_once_in_the_throttle(redis_cache, monkeypatch):  # noqa: F811
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {**UserRateThrottle.THROTTLE_RATES, "user": "4/min"})
    world, paths = _world_and_paths()
    client = world.client("member")
    tag = client.get(paths["event"])["ETag"]
    # 304 before the view, then a stale tag that goes on to the view: one count each.
    assert client.get(paths["event"], HTTP_IF_NONE_MATCH=tag).status_code == 304
    assert client.get(paths["event"], HTTP_IF_NONE_MATCH='"stale"').status_code == 200
    assert client.get(paths["event"], HTTP_IF_NONE_MATCH=tag).status_code == 304
    refused = client.get(paths["event"], HTTP_IF_NONE_MATCH=tag)
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["code"] == "throttled"
