"""Conditional GETs of a club's webhooks (list, one hook, its delivery attempts): club admins only
(403 and 404 before any 304); the worker's attempts change the attempts, not the hooks."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils.http import parse_http_date

from clubs.models import ClubRole
from tests.conditional_helpers import changed, refused, tag_of, unchanged
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, UserFactory, WebhookAttemptFactory, WebhookFactory
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db


def _paths(hook) -> dict[str, str]:
    base = f"/api/v1/clubs/{hook.club_id}/webhooks/"
    return {"list": base, "detail": f"{base}{hook.pk}/", "deliveries": f"{base}{hook.pk}/deliveries/"}


@pytest.mark.parametrize("name", ["list", "detail", "deliveries"])
def test_webhooks_change_with_their_rows_and_not_another_clubs(name):
    hook = WebhookFactory()
    client = client_for(hook.club.owner)
    path = _paths(hook)[name]
    tag = tag_of(client, path)
    other = WebhookFactory()
    WebhookAttemptFactory(delivery__webhook=other)
    unchanged(client, path, tag)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE webhooks SET active = false, disabled_reason = 'plain SQL' WHERE id = %s", [hook.pk])
    changed(client, path, tag)


def test_attempts_change_the_deliveries_and_leave_the_hooks_alone():
    hook = WebhookFactory()
    client = client_for(hook.club.owner)
    paths = _paths(hook)
    tags = {name: tag_of(client, path) for name, path in paths.items()}
    WebhookAttemptFactory(delivery__webhook=hook)  # as the worker records one
    unchanged(client, paths["list"], tags["list"])
    unchanged(client, paths["detail"], tags["detail"])
    assert changed(client, paths["deliveries"], tags["deliveries"]).json()["count"] == 1


def test_a_hook_has_a_last_modified_and_a_deleted_one_is_404():
    hook = WebhookFactory()
    client = client_for(hook.club.owner)
    path = _paths(hook)["detail"]
    response = client.get(path)
    assert parse_http_date(response["Last-Modified"]) == int(hook.updated_at.timestamp())
    Webhook.objects.filter(pk=hook.pk).delete()
    refused(client, path, response["ETag"], 404)
    refused(client, _paths(hook)["deliveries"], response["ETag"], 404)


def test_members_stay_403_and_outsiders_404_whatever_the_tag():
    hook = WebhookFactory(club=ClubFactory(is_public=False))
    member = ClubMemberFactory(club=hook.club, role=ClubRole.MODERATOR)
    for path in _paths(hook).values():
        tag = tag_of(client_for(hook.club.owner), path)
        refused(client_for(member.user), path, tag, 403)
        refused(client_for(UserFactory()), path, tag, 404)
