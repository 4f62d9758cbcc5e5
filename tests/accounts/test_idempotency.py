"""Idempotency-Key on the API's writes (bookwork/idempotency.py, accounts/idempotency.py):
replay, mismatch, in-progress, 5xx not stored, retention, and 8 concurrent identical POSTs."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from accounts.idempotency import idempotency_cleanup, request_fingerprint
from accounts.models import IdempotencyRecord
from clubs.models import Club
from tests.clubs.test_concurrency import race
from tests.conftest import client_for
from tests.factories import ClubFactory, UserFactory

BODY = {"name": "Retry Readers", "is_public": True}


def post_club(client, key: str, body: dict | None = None):
    return client.post("/api/v1/clubs/", body or BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_a_repeat_replays_the_stored_status_and_body_without_running_again(user):
    client = client_for(user)
    first = post_club(client, "key-1")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    again = post_club(client, "key-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert again["Content-Type"] == "application/json"
    assert Club.objects.filter(name="Retry Readers").count() == 1


@pytest.mark.django_db
def test_without_a_key_every_request_runs(user):
    client = client_for(user)
    client.post("/api/v1/clubs/", BODY, format="json")
    client.post("/api/v1/clubs/", BODY, format="json")
    assert Club.objects.filter(name="Retry Readers").count() == 2
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "method, path, body",
    [
        ("post", "/api/v1/clubs/", {"name": "Other name", "is_public": True}),  # body
        ("post", "/api/v1/clubs/?x=1", BODY),  # path (its query string)
        ("put", "/api/v1/clubs/", BODY),  # method
    ],
)
def test_the_same_key_with_another_method_path_or_body_is_422(user, method, path, body):
    client = client_for(user)
    assert post_club(client, "k").status_code == 201
    response = getattr(client, method)(path, body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "idempotency_key_reused",
                "detail": "This Idempotency-Key was used with a different method, path or body.",
                "attr": None,
            }
        ],
    }
    assert Club.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_one_user():
    first, second = UserFactory(), UserFactory()
    assert post_club(client_for(first), "shared").status_code == 201
    response = post_club(client_for(second), "shared", {"name": "Another", "is_public": True})
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Club.objects.count() == 2


@pytest.mark.django_db
def test_a_request_still_running_answers_409_with_retry_after(user):
    fingerprint = request_fingerprint(
        method="POST", path="/api/v1/clubs/", body=b'{"name":"Retry Readers","is_public":true}'
    )
    IdempotencyRecord.objects.create(user=user, key="busy", fingerprint=fingerprint)
    response = client_for(user).generic(
        "POST", "/api/v1/clubs/", b'{"name":"Retry Readers","is_public":true}', "application/json",
        HTTP_IDEMPOTENCY_KEY="busy",
    )  # fmt: skip
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "request_in_progress"
    assert int(response["Retry-After"]) >= 1
    assert not Club.objects.exists()


@pytest.mark.django_db
def test_a_claim_abandoned_by_a_dead_request_is_taken_over(user):
    fingerprint = request_fingerprint(
        method="POST", path="/api/v1/clubs/", body=b'{"name":"Retry Readers","is_public":true}'
    )
    IdempotencyRecord.objects.create(
        user=user, key="dead", fingerprint=fingerprint, created_at=timezone.now() - dt.timedelta(minutes=10)
    )
    response = client_for(user).generic(
        "POST", "/api/v1/clubs/", b'{"name":"Retry Readers","is_public":true}', "application/json",
        HTTP_IDEMPOTENCY_KEY="dead",
    )  # fmt: skip
    assert response.status_code == 201
    assert IdempotencyRecord.objects.get(user=user, key="dead").status_code == 201


@pytest.mark.django_db
def test_a_5xx_answer_is_not_stored_so_a_retry_runs_again(user, monkeypatch):
    from clubs import services

    real = services.club_create
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(services, "club_create", flaky)
    client = client_for(user)
    client.raise_request_exception = False
    assert post_club(client, "flaky").status_code == 503
    assert not IdempotencyRecord.objects.filter(key="flaky").exists()
    retry = post_club(client, "flaky")
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert len(calls) == 2


@pytest.mark.django_db
def test_client_errors_are_kept_and_replayed(user):
    client = client_for(user)
    first = post_club(client, "bad", {"name": "", "is_public": True})
    assert first.status_code == 400
    again = post_club(client, "bad", {"name": "", "is_public": True})
    assert (again.status_code, again["Idempotent-Replayed"], again.content) == (400, "true", first.content)


@pytest.mark.django_db
def test_delete_and_patch_are_covered_too(user):
    club = ClubFactory(owner=user)
    client = client_for(user)
    patched = client.patch(f"/api/v1/clubs/{club.pk}/", {"location": "Cafe"}, format="json", HTTP_IDEMPOTENCY_KEY="p")
    assert patched.status_code == 200
    client.patch(f"/api/v1/clubs/{club.pk}/", {"location": "Changed"}, format="json")
    replay = client.patch(f"/api/v1/clubs/{club.pk}/", {"location": "Cafe"}, format="json", HTTP_IDEMPOTENCY_KEY="p")
    assert replay["Idempotent-Replayed"] == "true"
    club.refresh_from_db()
    assert club.location == "Changed"  # the replay did not write again
    assert client.delete(f"/api/v1/clubs/{club.pk}/", HTTP_IDEMPOTENCY_KEY="d").status_code == 204
    replay = client.delete(f"/api/v1/clubs/{club.pk}/", HTTP_IDEMPOTENCY_KEY="d")
    assert (replay.status_code, replay["Idempotent-Replayed"]) == (204, "true")


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "naïve"])
def test_a_malformed_key_is_400(user, key):
    response = post_club(client_for(user), key)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid"
    assert not Club.objects.exists()


@pytest.mark.django_db
def test_anonymous_and_unauthenticated_requests_are_not_recorded(api_client):
    assert post_club(api_client, "anon").status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert post_club(api_client, "anon").status_code == 401
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_records_expire_after_the_retention_and_are_cleaned(user, settings):
    client = client_for(user)
    post_club(client, "old")
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    fresh = post_club(client, "old")  # an expired record does not replay: the request runs
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh
    assert Club.objects.count() == 2
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    post_club(client, "young", {"name": "Young", "is_public": True})
    assert idempotency_cleanup() == 1
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    out = io.StringIO()
    call_command("cleanup_tokens", stdout=out)
    assert "deleted 1 idempotency key(s)" in out.getvalue()
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_identical_posts_with_one_key_create_exactly_one_club():
    user = UserFactory()
    clients = [client_for(user) for _ in range(8)]
    responses = race([lambda c=c: post_club(c, "race") for c in clients])
    assert Club.objects.filter(name="Retry Readers").count() == 1
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    created = [r for r in responses if r.status_code == 201]
    assert len({r.content for r in created}) == 1  # replays carry the one club
    busy = [r for r in responses if r.status_code == 409]
    assert all(r.json()["errors"][0]["code"] == "request_in_progress" for r in busy)


def test_the_worker_deletes_old_records_every_hour():
    from procrastinate.contrib.django import app

    import accounts.tasks  # noqa: F401 - what `manage.py worker` autodiscovers

    assert "accounts.cleanup_idempotency_keys" in app.tasks
    periodic = app.periodic_registry.periodic_tasks
    [(_, task)] = [(key, task) for key, task in periodic.items() if key[1] == "cleanup_idempotency_keys"]
    assert task.cron == "23 * * * *"
