"""The general throttle (pitfall 1): one bucket per signed-in user, keyed by user id (never by the
text of the Authorization header), and one bucket per client IP for anonymous callers (never per
client port)."""

import pytest
from rest_framework import throttling
from rest_framework.test import APIClient

from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user_rate(monkeypatch):
    # DRF binds THROTTLE_RATES to the throttle classes at import; patch them there.
    rates = dict(throttling.SimpleRateThrottle.THROTTLE_RATES, user="3/min", anon="3/min")
    monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", rates)


def test_each_signed_in_user_has_a_bucket_of_their_own(user_rate):
    first, second = UserFactory(), UserFactory()
    first_client = client_for(first)
    statuses = [first_client.get("/api/v1/auth/me/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Same token prefix ("Bearer eyJhbGciOi..."), different user: not throttled.
    assert client_for(second).get("/api/v1/auth/me/").status_code == 200
    # A second token of the first user shares the first user's bucket.
    throttled = client_for(first).get("/api/v1/auth/me/")
    assert throttled.status_code == 429
    assert throttled["Retry-After"]
    assert throttled.json()["errors"][0]["code"] == "throttled"


def test_anonymous_callers_share_a_bucket_per_ip_whatever_their_port(user_rate):
    statuses = [
        APIClient(REMOTE_ADDR="203.0.113.9", REMOTE_PORT=str(40000 + n))
        .post("/api/v1/auth/refresh/", {"refresh": "x"}, format="json")
        .status_code
        for n in range(4)
    ]
    assert 429 not in statuses[:3] and statuses[3] == 429
    other_ip = APIClient(REMOTE_ADDR="203.0.113.10").post("/api/v1/auth/refresh/", {"refresh": "x"}, format="json")
    assert other_ip.status_code != 429
