"""Staff manage join requests and invites in the admin, through the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clubs.joining.models import Invite, JoinRequest
from clubs.models import ClubMember
from notifications.models import Notification
from tests.factories import DEFAULT_PASSWORD, ClubFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    UserFactory(is_staff=True, is_superuser=True, email="desk@example.com")
    assert client.login(username="desk@example.com", password=DEFAULT_PASSWORD)
    return client


def test_staff_approve_and_decline_through_the_service(staff):
    club = ClubFactory(is_public=True, join_policy="approval", max_members=2)  # the owner and one more
    first, second, third = (JoinRequest.objects.create(club=club, user=UserFactory()) for _ in range(3))
    url = reverse("admin:joining_joinrequest_changelist")
    assert staff.get(url).status_code == 200
    staff.post(url, {"action": "approve", "_selected_action": [str(first.pk), str(second.pk)]}, follow=True)
    statuses = dict(JoinRequest.objects.values_list("pk", "status"))
    # The capacity rule of the API holds: one of the two fits, the other stays pending.
    assert sorted([statuses[first.pk], statuses[second.pk]]) == ["approved", "pending"]
    assert ClubMember.objects.filter(club=club, is_active=True).count() == 2
    staff.post(url, {"action": "decline", "_selected_action": [str(third.pk)]})
    third.refresh_from_db()
    assert third.status == "declined"
    assert Notification.objects.filter(kind="join_request_decided").count() == 2
    assert staff.get(reverse("admin:joining_joinrequest_change", args=[third.pk])).status_code == 200


def test_staff_create_and_revoke_invites(staff):
    club = ClubFactory(is_public=False)
    add = reverse("admin:joining_invite_add")
    assert staff.get(add).status_code == 200
    response = staff.post(
        add, {"club": str(club.pk), "email": "Guest@Example.com", "role": "guest", "expires_in_hours": 48}
    )
    assert response.status_code == 302, response.content
    invite = Invite.objects.get(club=club)
    assert (invite.email, invite.role, invite.max_uses, len(invite.code)) == ("guest@example.com", "guest", 1, 43)
    bad = staff.post(add, {"club": str(club.pk), "email": "x@example.com", "max_uses": 3, "expires_in_hours": 1})
    assert bad.status_code == 200 and Invite.objects.count() == 1
    changelist = reverse("admin:joining_invite_changelist")
    assert staff.get(changelist).status_code == 200
    assert staff.get(reverse("admin:joining_invite_change", args=[invite.pk])).status_code == 200
    staff.post(changelist, {"action": "revoke", "_selected_action": [str(invite.pk)]})
    invite.refresh_from_db()
    assert invite.revoked
