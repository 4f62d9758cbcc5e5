from __future__ import annotations

import pytest

from tests.factories import ClubFactory, ClubMemberFactory, UserFactory
from tests.webhooks import receiver as receiver_module
from webhooks.models import Webhook


@pytest.fixture
def receiver():
    running = receiver_module.start()
    yield running
    receiver_module.stop(running)


@pytest.fixture
def loopback_allowed(settings):
    """The receiver runs on loopback over plain http: the operator's escape hatches, on."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_ALLOW_HTTP = True
    return settings


@pytest.fixture
def club_world(db):
    club = ClubFactory(is_public=False)
    admin = UserFactory()
    ClubMemberFactory(club=club, user=admin, role="admin")
    member = UserFactory()
    ClubMemberFactory(club=club, user=member)
    return {"club": club, "owner": club.owner, "admin": admin, "member": member}


@pytest.fixture
def hook(club_world, receiver, loopback_allowed):
    return Webhook.objects.create(
        club=club_world["club"],
        url=receiver.url(),
        events=["event.created", "event.updated", "event.cancelled", "rsvp.changed", "member.joined", "member.left"],
        secret="whsec_test-secret",
    )
