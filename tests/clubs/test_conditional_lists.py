"""Conditional GETs of the club list and of a club's members (club detail: tests/events/
test_conditional.py): what a caller may see changes the tag, what they may not see does not, and
a hidden club stays a 404 whatever the tag."""

from __future__ import annotations

import pytest
from django.db import connection

from clubs.models import Club, ClubMember, ClubRole
from tests.conditional_helpers import changed, refused, tag_of, unchanged
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

CLUBS = "/api/v1/clubs/"


@pytest.mark.parametrize("path", [CLUBS, f"{CLUBS}?ordering=-name", f"{CLUBS}?page_size=1"])
def test_the_club_list_changes_with_visible_clubs_only(path):
    me = UserFactory()
    ClubFactory()
    client = client_for(me)
    tag = tag_of(client, path)
    hidden = ClubFactory(is_public=False)
    unchanged(client, path, tag)  # a private club of others is not in my list
    ClubMemberFactory(club=hidden, user=me)
    tag = changed(client, path, tag)["ETag"]  # now it is
    Club.objects.filter(pk=hidden.pk).update(name="A renamed club")  # first by name: on every page
    tag = changed(client, path, tag)["ETag"]
    ClubFactory()
    tag = changed(client, path, tag)["ETag"]  # a new public club (the count)


def test_a_page_of_clubs_follows_its_own_rows_and_the_count():
    """A page's tag is made of the rows it shows (each club's stamp) and the count: a club on
    another page may change without changing this page; one on this page may not."""
    me = UserFactory()
    first, second = ClubFactory(name="A first club"), ClubFactory(name="B second club")
    client = client_for(me)
    path = f"{CLUBS}?page_size=1"
    tag = tag_of(client, path)
    Club.objects.filter(pk=second.pk).update(description="only on page 2")
    unchanged(client, path, tag)
    ClubMemberFactory(club=first)  # its member count
    tag = changed(client, path, tag)["ETag"]
    Club.objects.filter(pk=second.pk).update(name="0 now first")  # moves onto page 1
    tag = changed(client, path, tag)["ETag"]
    Club.objects.filter(pk=first.pk).delete()  # gone from page 2: the count
    assert changed(client, path, tag).json()["count"] == 1


def test_the_club_list_changes_with_member_counts_names_and_deletes():
    me = UserFactory()
    club = ClubFactory()
    client = client_for(me)
    tag = tag_of(client, CLUBS)
    ClubMemberFactory(club=club)
    tag = changed(client, CLUBS, tag)["ETag"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE clubs SET description = 'plain SQL' WHERE id = %s", [club.pk])
    tag = changed(client, CLUBS, tag)["ETag"]
    club.delete()
    assert changed(client, CLUBS, tag).json()["count"] == 0


def test_my_clubs_changes_with_my_clubs_only():
    """`?member=me` is versioned by the caller's own clubs: joining, leaving and a change of one of
    them move the tag; the other public clubs (all of which the plain list shows) do not."""
    me = UserFactory()
    mine = ClubMemberFactory(user=me).club
    other = ClubFactory()
    path = f"{CLUBS}?member=me"
    client = client_for(me)
    tag = tag_of(client, path)
    Club.objects.filter(pk=other.pk).update(name="Someone else's")
    ClubFactory()
    unchanged(client, path, tag)
    Club.objects.filter(pk=mine.pk).update(name="Mine, renamed")
    tag = changed(client, path, tag)["ETag"]
    ClubMemberFactory(club=other, user=me)
    response = changed(client, path, tag)
    assert response.json()["count"] == 2
    ClubMember.objects.filter(club=other, user=me).update(is_active=False)
    assert changed(client, path, response["ETag"]).json()["count"] == 1


def test_a_private_club_going_public_joins_outsiders_lists():
    me = UserFactory()
    club = ClubFactory(is_public=False)
    client = client_for(me)
    tag = tag_of(client, CLUBS)
    Club.objects.filter(pk=club.pk).update(is_public=True)
    assert changed(client, CLUBS, tag).json()["count"] == 1


def _members(club):
    return f"/api/v1/clubs/{club.pk}/members/"


def test_the_member_list_changes_with_memberships_and_member_names():
    membership = ClubMemberFactory()
    club, owner = membership.club, membership.club.owner
    client = client_for(owner)
    for path in (_members(club), f"{_members(club)}{membership.user_id}/"):
        tag = tag_of(client, path)
        unchanged(client, path, tag)
        ClubFactory()  # another club's write
        ClubMemberFactory(club=ClubFactory())
        unchanged(client, path, tag)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE users SET name = %s WHERE id = %s", [f"Renamed {path}", membership.user_id])
        tag = changed(client, path, tag)["ETag"]
        ClubMember.objects.filter(pk=membership.pk).update(books_read=7)
        changed(client, path, tag)


def test_a_member_list_follows_the_callers_role():
    membership = ClubMemberFactory(role=ClubRole.MEMBER)
    club = membership.club
    client = client_for(membership.user)
    path = _members(club)
    tag = tag_of(client, path)
    ClubMember.objects.filter(pk=membership.pk).update(role=ClubRole.MODERATOR)
    changed(client, path, tag)


def test_hidden_clubs_and_unknown_members_stay_404_whatever_the_tag():
    membership = ClubMemberFactory(club__is_public=False)
    club = membership.club
    tag = tag_of(client_for(club.owner), _members(club))
    refused(client_for(UserFactory()), _members(club), tag, 404)
    detail = f"{_members(club)}{membership.user_id}/"
    detail_tag = tag_of(client_for(club.owner), detail)
    ClubMember.objects.filter(pk=membership.pk).delete()
    refused(client_for(club.owner), detail, detail_tag, 404)
    refused(client_for(club.owner), f"{_members(club)}{UserFactory().pk}/", detail_tag, 404)
