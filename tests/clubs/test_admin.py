"""The clubs admin: member counts, inline members, and the capacity and owner rules holding there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clubs.models import Club, ClubMember, ClubRole
from tests.factories import DEFAULT_PASSWORD, ClubFactory, ClubMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    UserFactory(is_staff=True, is_superuser=True, email="desk@example.com")
    assert client.login(username="desk@example.com", password=DEFAULT_PASSWORD)
    return client


def club_form(club: Club | None, *, name="Admin club", owner=None, max_members="", members=(), existing=()):
    """POST data of the club change form with its inline memberships.

    `existing`: (ClubMember, changes) pairs for rows already stored; `members`: (user, role, active) to add.
    """
    data = {
        "name": name,
        "description": "",
        "owner": str(owner.pk) if owner else "",
        "max_members": str(max_members),
        "tags": "Fiction, fiction ,Poetry",
        "timezone": "Europe/Paris",
        "memberships-INITIAL_FORMS": str(len(existing)),
        "memberships-TOTAL_FORMS": str(len(existing) + len(members)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, (member, changes) in enumerate(existing):
        row = {"id": str(member.pk), "user": str(member.user_id), "role": member.role, "books_read": "0"}
        row.update({"is_active": "on"} if changes.get("is_active", member.is_active) else {})
        row.update({k: v for k, v in changes.items() if k != "is_active"})
        if club is not None:
            row["club"] = str(club.pk)
        data.update({f"memberships-{index}-{key}": value for key, value in row.items()})
    for offset, (user, role, active) in enumerate(members, start=len(existing)):
        row = {"user": str(user.pk), "role": role, "books_read": "0"}
        if active:
            row["is_active"] = "on"
        data.update({f"memberships-{offset}-{key}": value for key, value in row.items()})
    return data


def test_changelist_shows_active_member_counts(staff):
    club = ClubFactory(name="Counted")
    ClubMemberFactory.create_batch(3, club=club)
    ClubMemberFactory(club=club, is_active=False)
    response = staff.get(reverse("admin:clubs_club_changelist"))
    assert response.status_code == 200
    row = next(r for r in response.context["cl"].result_list if r.pk == club.pk)
    assert row.active_members == 4  # owner and three members
    assert b"Members" in response.content


def test_add_club_with_members_creates_the_owner_admin_and_normalises(staff):
    owner, reader = UserFactory(), UserFactory()
    response = staff.post(
        reverse("admin:clubs_club_add"), club_form(None, owner=owner, max_members=3, members=[(reader, "member", True)])
    )
    assert response.status_code == 302, response.context["errors"] if response.context else response
    club = Club.objects.get(name="Admin club")
    assert club.tags == ["fiction", "poetry"]
    roles = dict(ClubMember.objects.filter(club=club, is_active=True).values_list("user_id", "role"))
    assert roles == {owner.pk: ClubRole.ADMIN, reader.pk: ClubRole.MEMBER}


def test_add_club_beyond_capacity_is_refused(staff):
    owner = UserFactory()
    members = [(UserFactory(), "member", True) for _ in range(3)]
    response = staff.post(reverse("admin:clubs_club_add"), club_form(None, owner=owner, max_members=3, members=members))
    assert response.status_code == 200  # the form again, with the error
    assert "exceed max_members" in str(response.context["inline_admin_formsets"][0].formset.non_form_errors())
    assert not Club.objects.filter(name="Admin club").exists()


def test_inline_adds_respect_capacity_on_change(staff):
    club = ClubFactory(max_members=3)
    owner_row = ClubMember.objects.get(club=club, user=club.owner)
    member = ClubMemberFactory(club=club)
    url = reverse("admin:clubs_club_change", args=[club.pk])
    existing = [(owner_row, {}), (member, {})]
    too_many = club_form(
        club, name=club.name, owner=club.owner, max_members=3, existing=existing,
        members=[(UserFactory(), "member", True), (UserFactory(), "guest", True)],
    )  # fmt: skip
    response = staff.post(url, too_many)
    assert response.status_code == 200
    assert ClubMember.objects.filter(club=club, is_active=True).count() == 2
    # Deactivating one row in the same save makes room for two new ones.
    fits = club_form(
        club, name=club.name, owner=club.owner, max_members=3,
        existing=[(owner_row, {}), (member, {"is_active": False})],
        members=[(UserFactory(), "member", True), (UserFactory(), "guest", True)],
    )  # fmt: skip
    response = staff.post(url, fits)
    assert response.status_code == 302
    assert ClubMember.objects.filter(club=club, is_active=True).count() == 3


def test_lowering_max_members_in_admin_below_active_count_is_refused(staff):
    club = ClubFactory(max_members=None)
    owner_row = ClubMember.objects.get(club=club, user=club.owner)
    others = ClubMemberFactory.create_batch(2, club=club)
    data = club_form(
        club, name=club.name, owner=club.owner, max_members=2, existing=[(owner_row, {})] + [(m, {}) for m in others]
    )
    response = staff.post(reverse("admin:clubs_club_change", args=[club.pk]), data)
    assert response.status_code == 200
    club.refresh_from_db()
    assert club.max_members is None


def test_owner_cannot_be_demoted_inline(staff):
    club = ClubFactory()
    owner_row = ClubMember.objects.get(club=club, user=club.owner)
    data = club_form(club, name=club.name, owner=club.owner, existing=[(owner_row, {"role": "member"})])
    response = staff.post(reverse("admin:clubs_club_change", args=[club.pk]), data)
    assert response.status_code == 200
    assert ClubMember.objects.get(pk=owner_row.pk).role == ClubRole.ADMIN


def test_club_timezone_is_validated_in_admin(staff):
    data = club_form(None, owner=UserFactory())
    data["timezone"] = "Atlantis/Capital"
    response = staff.post(reverse("admin:clubs_club_add"), data)
    assert response.status_code == 200
    assert "timezone" in response.context["adminform"].form.errors


def test_membership_admin_respects_capacity(staff):
    club = ClubFactory(max_members=2)
    ClubMemberFactory(club=club)
    data = {"club": str(club.pk), "user": str(UserFactory().pk), "role": "member", "is_active": "on", "books_read": "0"}
    response = staff.post(reverse("admin:clubs_clubmember_add"), data)
    assert response.status_code == 200
    assert "full" in str(response.context["adminform"].form.non_field_errors())
    assert ClubMember.objects.filter(club=club).count() == 2
    # An inactive row does not take a place.
    data["is_active"] = ""
    assert staff.post(reverse("admin:clubs_clubmember_add"), data).status_code == 302


def test_membership_admin_pages(staff):
    member = ClubMemberFactory()
    assert staff.get(reverse("admin:clubs_clubmember_changelist"), {"q": member.user.email}).status_code == 200
    assert staff.get(reverse("admin:clubs_clubmember_change", args=[member.pk])).status_code == 200
    assert staff.get(reverse("admin:clubs_club_change", args=[member.club_id])).status_code == 200


def test_owner_membership_cannot_be_deleted_in_admin(staff):
    club = ClubFactory()
    owner_row = ClubMember.objects.get(club=club, user=club.owner)
    other = ClubMemberFactory(club=club)
    assert staff.post(reverse("admin:clubs_clubmember_delete", args=[owner_row.pk]), {"post": "yes"}).status_code == 403
    response = staff.post(
        reverse("admin:clubs_clubmember_changelist"),
        {"action": "delete_selected", "_selected_action": [str(owner_row.pk), str(other.pk)], "post": "yes"},
    )
    assert response.status_code == 403  # the admin refuses a batch containing a row it may not delete
    assert ClubMember.objects.filter(pk__in=[owner_row.pk, other.pk]).count() == 2
    data = club_form(club, name=club.name, owner=club.owner, existing=[(owner_row, {"DELETE": "on"})])
    assert staff.post(reverse("admin:clubs_club_change", args=[club.pk]), data).status_code == 200
    assert ClubMember.objects.filter(pk=owner_row.pk).exists()


def test_making_a_club_private_in_admin_releases_outsiders_seats(staff):
    from events.availability.models import Availability
    from events.availability.services import availability_set
    from tests.factories import EventFactory

    club = ClubFactory(is_public=True)
    owner_row = ClubMember.objects.get(club=club, user=club.owner)
    event = EventFactory(club=club, is_public=True, max_attendees=1)
    availability_set(event_id=event.pk, user=UserFactory(), status="available")
    data = club_form(club, name=club.name, owner=club.owner, existing=[(owner_row, {})])  # no is_public: private
    assert staff.post(reverse("admin:clubs_club_change", args=[club.pk]), data).status_code == 302
    assert not Availability.objects.filter(event=event).exists()
