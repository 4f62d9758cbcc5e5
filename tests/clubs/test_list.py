"""GET /clubs/: filters, ordering, pagination, query counts, and the GIN index serving `tags`."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clubs.models import Club, ClubRole
from tests.clubs.reference import ReferenceClubFilter, clubs_list
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [club["name"] for club in response.json()["results"]]


@pytest.fixture
def catalogue(user):
    """Clubs with distinct names, tags, visibility and sizes; `user` belongs to two of them."""
    alpha = ClubFactory(name="Alpha", description="Science fiction", tags=["scifi", "space"], is_public=True)
    beta = ClubFactory(name="Beta", description="Poems and verse", tags=["poetry"], is_public=True)
    gamma = ClubFactory(name="Gamma", description="Crime novels", tags=["crime", "fiction"], is_public=False)
    delta = ClubFactory(name="Delta", description=None, tags=[], is_public=True)
    hidden = ClubFactory(name="Hidden", description="Science", tags=["scifi"], is_public=False)
    ClubMemberFactory(club=gamma, user=user)
    ClubMemberFactory(club=beta, user=user, role=ClubRole.MODERATOR)
    ClubMemberFactory.create_batch(3, club=alpha)
    ClubMemberFactory(club=delta)
    ClubMemberFactory(club=alpha, is_active=False)  # former members do not count
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "delta": delta, "hidden": hidden}


def test_default_list_is_visible_clubs_by_name(user, catalogue):
    assert names(client_for(user).get("/api/v1/clubs/")) == ["Alpha", "Beta", "Delta", "Gamma"]


def test_search_name_and_description_case_insensitive(user, catalogue):
    client = client_for(user)
    assert names(client.get("/api/v1/clubs/", {"search": "SCIENCE"})) == ["Alpha"]  # Hidden stays hidden
    assert names(client.get("/api/v1/clubs/", {"search": "TA"})) == ["Beta", "Delta"]
    assert names(client.get("/api/v1/clubs/", {"search": "100%_"})) == []


def test_tags_any_of(user, catalogue):
    client = client_for(user)
    assert names(client.get("/api/v1/clubs/", {"tags": "poetry,crime"})) == ["Beta", "Gamma"]
    assert names(client.get("/api/v1/clubs/", {"tags": " SciFi , ,nothing"})) == ["Alpha"]
    assert names(client.get("/api/v1/clubs/", {"tags": ","})) == ["Alpha", "Beta", "Delta", "Gamma"]


def test_is_public_and_member_me(user, catalogue):
    client = client_for(user)
    assert names(client.get("/api/v1/clubs/", {"is_public": "false"})) == ["Gamma"]
    assert names(client.get("/api/v1/clubs/", {"is_public": "true"})) == ["Alpha", "Beta", "Delta"]
    assert names(client.get("/api/v1/clubs/", {"member": "me"})) == ["Beta", "Gamma"]
    assert names(client.get("/api/v1/clubs/", {"member": "me", "tags": "poetry"})) == ["Beta"]


@pytest.mark.parametrize("params", [{"member": "you"}, {"is_public": "maybe"}, {"search": "a\x00b"}])
def test_bad_filter_values_are_400(user, params):
    response = client_for(user).get("/api/v1/clubs/", params)
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


def test_member_count_and_my_role(user, catalogue):
    results = {c["name"]: c for c in client_for(user).get("/api/v1/clubs/").json()["results"]}
    assert {name: c["member_count"] for name, c in results.items()} == {
        "Alpha": 4,
        "Beta": 2,
        "Delta": 2,
        "Gamma": 2,
    }
    assert {name: c["my_role"] for name, c in results.items()} == {
        "Alpha": None,
        "Beta": "moderator",
        "Delta": None,
        "Gamma": "member",
    }


def test_ordering(user, catalogue):
    client = client_for(user)
    assert names(client.get("/api/v1/clubs/", {"ordering": "-name"})) == ["Gamma", "Delta", "Beta", "Alpha"]
    by_count = client.get("/api/v1/clubs/", {"ordering": "-member_count"}).json()["results"]
    assert by_count[0]["name"] == "Alpha"
    # Ties are broken by id, so the order is fully determined.
    tied = [c for c in by_count if c["member_count"] == 2]
    assert [c["id"] for c in tied] == sorted(c["id"] for c in tied)
    created = client.get("/api/v1/clubs/", {"ordering": "created_at"}).json()["results"]
    assert [c["created_at"] for c in created] == sorted(c["created_at"] for c in created)


def test_site_admin_sees_every_club(catalogue):
    from accounts.models import Role

    admin = UserFactory(role=Role.ADMIN)
    assert len(names(client_for(admin).get("/api/v1/clubs/", {"page_size": 100}))) == Club.objects.count()


def test_walking_all_pages_returns_each_club_exactly_once(user):
    # Equal names and equal member counts: only the id tie-break keeps pages stable.
    for _ in range(23):
        ClubFactory(name="Same", is_public=True, owner_membership=False)
    client = client_for(user)
    for ordering in ("name", "-member_count", "created_at"):
        seen, url, pages = [], "/api/v1/clubs/", 0
        params = {"page_size": 5, "ordering": ordering}
        while url:
            data = client.get(url, params).json()
            params = None  # the `next` link carries them
            assert data["count"] == 23
            seen += [club["id"] for club in data["results"]]
            url, pages = data["next"], pages + 1
        assert pages == 5
        assert len(seen) == len(set(seen)) == 23


def test_page_size_is_capped_at_100(user):
    Club.objects.bulk_create(Club(name=f"Bulk {i:03d}", is_public=True) for i in range(105))
    data = client_for(user).get("/api/v1/clubs/", {"page_size": 1000}).json()
    assert data["count"] == 105
    assert len(data["results"]) == 100
    assert client_for(user).get("/api/v1/clubs/", {"page": 99}).status_code == 404


def test_query_count_does_not_depend_on_page_size(user, django_assert_max_num_queries):
    for i in range(120):
        club = ClubFactory(name=f"Club {i:03d}", is_public=True)
        ClubMemberFactory(club=club, user=user if i % 2 else UserFactory())
    client = client_for(user)
    client.get("/api/v1/clubs/", {"page_size": 1})  # warm the throttle's cache row
    with CaptureQueriesContext(connection) as one:
        assert len(names(client.get("/api/v1/clubs/", {"page_size": 1, "ordering": "-member_count"}))) == 1
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(names(client.get("/api/v1/clubs/", {"page_size": 100, "ordering": "-member_count"}))) == 100
    # Of those, the list itself is two queries (COUNT, and the page, whose rows carry the stamps
    # of its ETag); the rest are authentication and the throttle counter in the database cache.
    assert len([q for q in one.captured_queries if 'FROM "clubs"' in q["sql"]]) == 2


def test_members_query_count_does_not_depend_on_page_size(user, django_assert_max_num_queries):
    club = ClubFactory(is_public=True)
    ClubMemberFactory.create_batch(60, club=club)
    client = client_for(user)
    client.get(f"/api/v1/clubs/{club.pk}/members/", {"page_size": 1})
    with CaptureQueriesContext(connection) as one:
        client.get(f"/api/v1/clubs/{club.pk}/members/", {"page_size": 1})
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(f"/api/v1/clubs/{club.pk}/members/", {"page_size": 100})
    assert len(response.json()["results"]) == 61


def test_tags_filter_is_served_by_the_gin_index(user):
    """EXPLAIN of the list query a regular user runs, on a few thousand clubs, uses idx_clubs_tags.

    3000 clubs, 12 of them tagged `rare`. On a table this small (about 80 pages) the planner's costs
    for a sequential scan and a bitmap scan of the GIN index are close, and with freshly sampled
    statistics it has been seen to pick either. So the test sets `enable_seqscan = off` (for this
    transaction only) to ask whether the index CAN serve the filter: that setting cannot make
    PostgreSQL use an index whose operator class does not support `&&`, so a plan naming
    idx_clubs_tags proves the array-overlap filter is index-able, which is what matters once the
    table is large.
    """
    common = [["fiction"], ["poetry", "fiction"], ["crime"], ["history"]]
    Club.objects.bulk_create(
        Club(name=f"Bulk {i}", is_public=i % 3 != 0, tags=["rare"] if i % 250 == 0 else common[i % 4])
        for i in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clubs")
        cursor.execute("ANALYZE club_members")
    queryset = ReferenceClubFilter({"tags": "rare,unheard-of"}, queryset=clubs_list(user=user)).qs
    assert queryset.count() == 8  # 12 tagged, 4 of them private
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    forced_plan = queryset.explain()
    assert "idx_clubs_tags" in forced_plan, forced_plan
    assert "&&" in forced_plan
