"""Staff see an object's history in the admin: the change page links to it, and the page lists
the object's changes with who made them."""

from __future__ import annotations

import pytest

from clubs.models import ClubRole
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, ClubMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_change_page_links_to_the_objects_history_which_lists_its_changes(client):
    staff = UserFactory(is_staff=True, is_superuser=True, name="Stella Staff")
    membership = ClubMemberFactory(role=ClubRole.MEMBER)
    owner = membership.club.owner
    patched = client_for(owner).patch(
        f"/api/v1/clubs/{membership.club_id}/members/{membership.user_id}/", {"role": "guest"}, format="json"
    )
    assert patched.status_code == 200, patched.content
    assert client.login(username=staff.email, password=DEFAULT_PASSWORD)

    page = client.get(f"/admin/clubs/clubmember/{membership.pk}/change/")
    assert page.status_code == 200
    link = f"/admin/pghistory/middlewareevents/?method=tracks&obj=clubs.ClubMember:{membership.pk}"
    assert link in page.content.decode()

    history = client.get(f"/admin/pghistory/middlewareevents/?method=tracks&obj=clubs.ClubMember:{membership.pk}")
    assert history.status_code == 200
    text = history.content.decode()
    assert "insert" in text and "update" in text
    assert "guest" in text  # the diff of the role change
    assert owner.email in text  # the acting user (staff may see who it was)

    per_table = client.get(f"/admin/audit/membershiphistory/?obj=clubs.ClubMember:{membership.pk}")
    assert per_table.status_code == 200


def test_history_pages_are_staff_only(client):
    user = UserFactory()
    assert client.login(username=user.email, password=DEFAULT_PASSWORD)
    response = client.get("/admin/pghistory/middlewareevents/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
