"""The SQL read of the club list and detail (`ClubRows`, `club_representation`,
`ClubFilter.rows_arguments`) against the ORM read it replaced (`clubs_list` + `ClubFilter` +
`ClubSerializer`): same rows in the same order, same counts, same bodies, same 400s."""

from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest
from django.http import Http404, QueryDict
from django.utils import timezone
from django_filters.utils import translate_validation
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer

from accounts.models import Role
from clubs.filters import ClubFilter
from clubs.models import Club, ClubRole
from clubs.selectors import ClubRows, club_get_detail
from clubs.serializers import ClubSerializer, club_representation
from clubs.sql import CLUB_ORDER_BY
from clubs.validators import parse_tag_query
from clubs.views import ClubViewSet
from tests.clubs.reference import ReferenceClubFilter, clubs_list
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

QUERIES = [
    "",
    "member=me",
    "is_public=true",
    "is_public=0",
    "search=SCI",
    "search=%25_",
    "search=%20",
    "search=100%25",
    "tags=scifi,POETRY",
    "tags=,",
    "tags=nothing",
    "member=me&is_public=false",
    "member=me&tags=poetry&search=verse",
]
ORDERINGS = [("name", "id"), ("-name", "id"), ("-member_count", "id"), ("member_count", "created_at", "id"), ("-id",)]


class _Request:
    def __init__(self, user):
        self.user = user


@pytest.fixture
def catalogue(user):
    """Varied clubs: nulls, empty and shared tags, private ones the user can and cannot see, equal
    names and member counts (only the id tie-break orders those), former members, a LIKE wildcard
    in a name, an ownerless club."""
    clubs = [
        ClubFactory(name="Alpha", description="Science fiction", tags=["scifi", "space"], is_public=True),
        ClubFactory(name="Beta", description="Poems and verse", tags=["poetry"], is_public=True, max_members=9),
        ClubFactory(name="Gamma", description="Crime", tags=["crime"], is_public=False, location="Attic"),
        ClubFactory(name="Delta", description=None, tags=[], is_public=True, current_book="Emma"),
        ClubFactory(name="Hidden", description="Science", tags=["scifi"], is_public=False),
        ClubFactory(name="Same", description="100% _real_", is_public=True, meeting_frequency="weekly"),
        ClubFactory(name="Same", description=None, is_public=True, owner=None, timezone="Europe/Berlin"),
        ClubFactory(name="Former", is_public=False),
    ]
    alpha, beta, gamma, delta, _, same, _, former = clubs
    ClubMemberFactory(club=gamma, user=user)
    ClubMemberFactory(club=beta, user=user, role=ClubRole.MODERATOR)
    ClubMemberFactory(club=former, user=user, is_active=False)  # a former member sees it no more
    ClubMemberFactory.create_batch(3, club=alpha)
    ClubMemberFactory(club=delta)
    ClubMemberFactory(club=same, role=ClubRole.GUEST)
    ClubMemberFactory(club=alpha, is_active=False)
    return clubs


def orm_read(user, query: str, ordering) -> list:
    filterset = ReferenceClubFilter(QueryDict(query), queryset=clubs_list(user=user), request=_Request(user))
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs.order_by(*ordering))


@pytest.mark.parametrize("as_admin", [False, True])
def test_rows_and_counts_equal_the_orm_read(user, catalogue, as_admin):
    reader = UserFactory(role=Role.ADMIN) if as_admin else user
    if as_admin:
        ClubMemberFactory(club=catalogue[4], user=reader, role=ClubRole.GUEST)
    for query in QUERIES:
        for ordering in ORDERINGS:
            expected = orm_read(reader, query, ordering)
            rows = ClubRows(user=reader, ordering=ordering, **ClubFilter.rows_arguments(QueryDict(query)))
            assert rows.count() == len(expected), query
            got = rows[0:100]
            assert [c.id for c in got] == [c.pk for c in expected], (query, ordering)
            assert [(c.member_count, c.my_role) for c in got] == [(c.member_count, c.my_role) for c in expected]
            # A window of the same order.
            assert [c.id for c in rows[1:3]] == [c.pk for c in expected[1:3]]
    assert rows[2:2] == []


def render(data) -> bytes:
    return JSONRenderer().render(data)


@pytest.mark.parametrize("zone", [None, "Europe/Berlin", "America/St_Johns"])
def test_representation_equals_the_serializer(user, catalogue, zone):
    moment = dt.datetime(2024, 3, 31, 1, 30, 0, 123456, tzinfo=dt.UTC)  # microseconds, a DST change
    Club.objects.filter(pk=catalogue[3].pk).update(created_at=moment)
    Club.objects.filter(pk=catalogue[0].pk).update(created_at=moment.replace(microsecond=0))  # isoformat drops them
    rendered = 0
    with timezone.override(zone) if zone else contextlib.nullcontext():
        for reader in (user, UserFactory(role=Role.ADMIN), UserFactory()):
            expected = {club.pk: ClubSerializer(club).data for club in orm_read(reader, "", ("name", "id"))}
            for row in ClubRows(user=reader)[0:100]:
                got = club_representation(row)
                assert list(got) == list(expected[row.id])
                assert render(got) == render(expected[row.id])
                assert render(club_representation(row, zone=timezone.get_current_timezone())) == render(got)
                rendered += 1
    assert rendered >= 15


def test_detail_is_the_list_row_and_hides_what_the_list_hides(user, catalogue):
    alpha, beta, gamma, _, hidden, *_, former = catalogue
    for club in (alpha, beta, gamma):
        detail = club_get_detail(user=user, club_id=str(club.pk))
        assert detail == next(row for row in ClubRows(user=user)[0:100] if row.id == club.pk)
    for club_id in (hidden.pk, former.pk, "not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(Http404):
            club_get_detail(user=user, club_id=club_id)
    assert club_get_detail(user=UserFactory(role=Role.ADMIN), club_id=hidden.pk).id == hidden.pk


@pytest.mark.parametrize(
    "query",
    ["member=you", "member=", "is_public=maybe", "is_public=", "search=a%00b", "search=" + "x" * 201, "tags="],
)
def test_bad_filters_are_the_filtersets_400(query):
    filterset = ClubFilter(QueryDict(query))
    assert not filterset.is_valid()
    expected = translate_validation(filterset.errors)
    with pytest.raises(ValidationError) as raised:
        ClubFilter.rows_arguments(QueryDict(query))
    assert raised.value.detail == expected.detail
    assert [[e.code for e in errors] for errors in raised.value.detail.values()] == [
        [e.code for e in errors] for errors in expected.detail.values()
    ]


@pytest.mark.parametrize("query", ["", "page=2&ordering=-name&foo=", *QUERIES])
def test_rows_arguments_of_valid_queries(query):
    filterset = ClubFilter(QueryDict(query))
    assert filterset.is_valid()
    cleaned = {name: None if value in ("", None) else value for name, value in filterset.form.cleaned_data.items()}
    assert ClubFilter.rows_arguments(QueryDict(query)) == {
        "search": cleaned["search"],
        "tags": parse_tag_query(cleaned["tags"]) if cleaned["tags"] else None,
        "is_public": cleaned["is_public"],
        "member_only": cleaned["member"] == "me",
    }


def test_every_ordering_field_has_its_sql():
    assert set(ClubViewSet.ordering_fields) | {"id"} <= set(CLUB_ORDER_BY)


def test_list_over_http_pages_like_the_orm_read(user, catalogue):
    client = client_for(user)
    expected = [ClubSerializer(c).data for c in orm_read(user, "", ("-member_count", "id"))]
    first = client.get("/api/v1/clubs/", {"page_size": 4, "ordering": "-member_count"})
    second = client.get(first.json()["next"])
    assert first.json()["count"] == second.json()["count"] == len(expected) > 4
    assert first.json()["results"] + second.json()["results"] == json.loads(render(expected))
    assert client.get("/api/v1/clubs/", {"page_size": 4, "page": 3}).status_code == 404
