"""Invite codes cannot be guessed at speed: preview and accept share a per-user and a per-IP
limit (THROTTLE_RATES `invite_code`, `invite_code_ip`), 429 with Retry-After beyond them."""

from __future__ import annotations

import pytest
from rest_framework import throttling

from clubs.joining.invites import invite_code_new
from tests.clubs.conftest import build_world
from tests.clubs.joining.helpers import make_invite
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(monkeypatch):
    """DRF binds THROTTLE_RATES to the throttle classes at import: patch the classes' copy."""

    def apply(**scopes: str) -> None:
        base = dict(throttling.SimpleRateThrottle.THROTTLE_RATES)
        base.update(scopes)
        monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", base)

    return apply


def test_per_user_limit_counts_previews_and_accepts_together(rates):
    rates(invite_code="3/min", invite_code_ip="1000/min")
    guesser = client_for(UserFactory())
    statuses = [
        guesser.get(f"/api/v1/invites/{invite_code_new()}/", REMOTE_ADDR=f"10.0.0.{i}").status_code for i in range(2)
    ]
    statuses.append(guesser.post(f"/api/v1/invites/{invite_code_new()}/accept/", REMOTE_ADDR="10.0.1.1").status_code)
    statuses.append(guesser.post(f"/api/v1/invites/{invite_code_new()}/accept/", REMOTE_ADDR="10.0.1.2").status_code)
    assert statuses == [404, 404, 404, 429]  # a new address each time does not reset the user's bucket
    response = guesser.get(f"/api/v1/invites/{invite_code_new()}/")
    assert response.status_code == 429 and response.json()["errors"][0]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    # Another user is not held back by the first one's bucket.
    assert client_for(UserFactory()).get(f"/api/v1/invites/{invite_code_new()}/").status_code == 404


def test_per_ip_limit_holds_across_accounts(rates):
    rates(invite_code="1000/min", invite_code_ip="3/min")
    statuses = [
        client_for(UserFactory()).get(f"/api/v1/invites/{invite_code_new()}/", REMOTE_ADDR="10.1.1.1").status_code
        for _ in range(4)
    ]
    assert statuses == [404, 404, 404, 429]
    other = client_for(UserFactory()).get(f"/api/v1/invites/{invite_code_new()}/", REMOTE_ADDR="10.1.1.2")
    assert other.status_code == 404


def test_a_valid_code_still_works_below_the_limit(rates):
    rates(invite_code="2/min")
    world = build_world(is_public=False)
    invite = make_invite(world.club, world.users["admin"])
    client = client_for(UserFactory())
    assert client.get(f"/api/v1/invites/{invite['code']}/").status_code == 200
    assert client.post(f"/api/v1/invites/{invite['code']}/accept/").status_code == 201
    assert client.get(f"/api/v1/invites/{invite['code']}/").status_code == 429
