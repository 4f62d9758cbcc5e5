"""`reminder_hours` of clubs: default [168, 24], club admins edit it, 400 out of range, a CHECK."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from clubs.models import Club, ClubRole
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_reminder_hours_default_and_admins_edit_them():
    owner = UserFactory()
    client = client_for(owner)
    created = client.post("/api/v1/clubs/", {"name": "Night Readers"}, format="json").json()
    assert created["reminder_hours"] == [168, 24]
    response = client.patch(f"/api/v1/clubs/{created['id']}/", {"reminder_hours": [2, 48, 2]}, format="json")
    assert response.status_code == 200
    assert response.json()["reminder_hours"] == [48, 2]
    listed = client.get("/api/v1/clubs/?member=me").json()["results"]
    assert [club["reminder_hours"] for club in listed] == [[48, 2]]
    assert (
        client.patch(f"/api/v1/clubs/{created['id']}/", {"reminder_hours": []}, format="json").json()["reminder_hours"]
        == []
    )


@pytest.mark.parametrize("value", [[0], [721], [1.5], ["x"], [True], 24, list(range(1, 13))])
def test_reminder_hours_out_of_range_are_400(value):
    owner = UserFactory()
    client = client_for(owner)
    club = client.post("/api/v1/clubs/", {"name": "Night Readers"}, format="json").json()
    response = client.patch(f"/api/v1/clubs/{club['id']}/", {"reminder_hours": value}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"].startswith("reminder_hours")


def test_reminder_hours_only_club_admins_edit():
    club = ClubFactory()
    moderator = ClubMemberFactory(club=club, role=ClubRole.MODERATOR).user
    response = client_for(moderator).patch(f"/api/v1/clubs/{club.pk}/", {"reminder_hours": [3]}, format="json")
    assert response.status_code == 403
    club.refresh_from_db()
    assert club.reminder_hours == [168, 24]


def test_reminder_hours_check_constraint():
    club = ClubFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Club.objects.filter(pk=club.pk).update(reminder_hours=[24, 0])
