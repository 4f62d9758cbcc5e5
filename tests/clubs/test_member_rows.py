"""The member list's fast path (clubs.sql.member_rows_page, the MEMBER shape's writer) answers the
bytes DRF's generic path answers: `MemberSerializer` over the ORM's rows, in DRF's page, rendered
by DRF's own JSONRenderer. A realistic club: an owner, admins, a moderator, members, a guest,
former members, users with and without phone and avatar, non-ASCII names; callers who may see
contacts (club admins, site admins) and who may not (members, a moderator, an outsider)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from accounts.models import Role
from clubs.models import ClubMember, ClubRole
from clubs.selectors import club_access
from clubs.serializers import MemberSerializer
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def _club(members: int = 8):
    owner = UserFactory(name="Zoë Owner", phone="+4912345", avatar="https://example.com/a.png")
    club = ClubFactory(owner=owner, is_public=True)
    people = {"owner": owner}
    specs = [
        ("admin", ClubRole.ADMIN, True, "+49 30 1", None),
        ("moderator", ClubRole.MODERATOR, True, None, "https://example.com/m.png"),
        ("guest", ClubRole.GUEST, True, "+1 555", None),
        ("former", ClubRole.MEMBER, False, "+33 1", None),
        ("former_admin", ClubRole.ADMIN, False, None, None),
    ]
    specs += [(f"member{i}", ClubRole.MEMBER, True, f"+44 {i}" if i % 2 else None, None) for i in range(members)]
    start = timezone.now() - dt.timedelta(days=400)
    for i, (key, role, active, phone, avatar) in enumerate(specs):
        user = UserFactory(name=f"Ñame {chr(65 + (i * 7) % 26)} <{key}>", phone=phone, avatar=avatar)
        member = ClubMemberFactory(club=club, user=user, role=role, is_active=active, books_read=i % 3)
        # Ties on joined_date and books_read, so the id tie-break decides the order.
        ClubMember.objects.filter(pk=member.pk).update(joined_date=start + dt.timedelta(days=i // 2))
        people[key] = user
    people["outsider"] = UserFactory(name="Outsider")
    people["site_admin"] = UserFactory(name="Site Admin", role=Role.ADMIN)
    return club, people


def _generic(club, caller, params: dict) -> bytes:
    """DRF's generic path: the ORM's rows (filtered and ordered as MemberFilter and
    TieBreakOrderingFilter do), MemberSerializer, DRF's page shape and DRF's JSON renderer."""
    rows = ClubMember.objects.filter(club=club).select_related("user")
    is_active = {"true": True, "false": False}.get(params.get("is_active"), True)
    rows = rows.filter(is_active=is_active)
    if "role" in params:
        rows = rows.filter(role=params["role"])
    ordering = [*params.get("ordering", "joined_date").split(","), "id"]
    rows = rows.order_by(*ordering)
    size, page = int(params.get("page_size", 20)), int(params.get("page", 1))
    count = rows.count()
    page_rows = list(rows[(page - 1) * size : page * size])
    access = club_access(user=caller, club=club)
    url = f"http://testserver/api/v1/clubs/{club.pk}/members/"

    def link(number):
        if number < 1 or (number - 1) * size >= count:
            return None
        query = {**params, "page": number}
        if number == 1:
            query.pop("page")
        text = "&".join(f"{key}={value}" for key, value in sorted(query.items()))
        return f"{url}?{text}" if text else url

    body = {
        "count": count,
        "next": link(page + 1),
        "previous": link(page - 1) if page > 1 else None,
        "results": MemberSerializer(page_rows, many=True, context={"access": access}).data,
    }
    return JSONRenderer().render(body)


QUERIES = [
    {},
    {"is_active": "false"},
    {"is_active": "true", "role": "admin"},
    {"ordering": "-user__name"},
    {"ordering": "books_read,-joined_date"},
    {"page_size": "4", "page": "2"},
    {"page_size": "4", "page": "3", "ordering": "-books_read"},
]


@pytest.mark.parametrize("caller_key", ["owner", "admin", "moderator", "member0", "guest", "outsider", "site_admin"])
def test_fast_path_is_byte_for_byte_the_generic_path(caller_key):
    club, people = _club()
    caller = people[caller_key]
    client = client_for(caller)
    for params in QUERIES:
        response = client.get(f"/api/v1/clubs/{club.pk}/members/", params)
        assert response.status_code == 200, (params, response.content)
        expected = _generic(club, caller, params)
        # Links: DRF keeps the query's order; compare them as URLs apart from that.
        got, want = response.json(), json.loads(expected)
        for key in ("next", "previous"):
            assert _query(got[key]) == _query(want[key]), (params, key)
            got[key] = want[key]
        assert JSONRenderer().render(got) == expected, params
        if not {"next", "previous"} & set(params):
            assert response.content.split(b'"results":')[1] == expected.split(b'"results":')[1], params


def _query(url):
    if url is None:
        return None
    base, _, query = url.partition("?")
    return base, sorted(query.split("&")) if query else []


def test_contacts_follow_the_one_rule():
    club, people = _club()
    by_caller = {}
    for key in ("admin", "member0", "site_admin"):
        results = client_for(people[key]).get(f"/api/v1/clubs/{club.pk}/members/", {"is_active": "false"}).json()
        by_caller[key] = {row["user"]["name"]: "email" in row["user"] for row in results["results"]}
    # Former members: only site admins see their contacts (ClubAccess.can_see_contacts_of).
    assert set(by_caller["site_admin"].values()) == {True}
    assert set(by_caller["admin"].values()) == {False}
    assert set(by_caller["member0"].values()) == {False}
    active = client_for(people["admin"]).get(f"/api/v1/clubs/{club.pk}/members/").json()["results"]
    assert all("email" in row["user"] and "phone" in row["user"] for row in active)
    own = client_for(people["member0"]).get(f"/api/v1/clubs/{club.pk}/members/").json()["results"]
    assert [row["user"]["name"] for row in own if "email" in row["user"]] == [people["member0"].name]


@pytest.mark.parametrize("members", [2, 30])
def test_queries_are_flat_in_the_number_of_members(members):
    """Authentication (the user), the club with the caller's role, the page, and the count (the
    first page is full with 30 members; with 2 the short first page is the count)."""
    club, people = _club(members)
    client = client_for(people["admin"])
    client.get(f"/api/v1/clubs/{club.pk}/members/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/clubs/{club.pk}/members/")
    assert response.status_code == 200
    # Not the throttle's (the database cache without Redis), nor the test transaction's savepoints.
    statements = [q["sql"][:80] for q in queries if q["sql"].startswith("SELECT") and "django_cache" not in q["sql"]]
    assert len(statements) == (4 if members == 30 else 3), statements


def test_bad_filters_and_orderings_answer_as_before():
    club, people = _club(2)
    client = client_for(people["member0"])
    url = f"/api/v1/clubs/{club.pk}/members/"
    bad_role = client.get(url, {"role": "owner"})
    assert bad_role.status_code == 400 and bad_role.json()["errors"][0]["attr"] == "role"
    assert client.get(url, {"is_active": "maybe"}).status_code == 400
    assert client.get(url, {"role": ""}).json()["errors"][0]["code"] == "blank"
    # Unknown ordering terms are dropped, as DRF's OrderingFilter does (the default order remains).
    assert client.get(url, {"ordering": "password"}).json() == client.get(url).json()
    assert client.get(url, {"page": "9"}).status_code == 404
    assert client.get(url, {"page_size": "x"}).status_code == 400
