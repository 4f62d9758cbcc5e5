"""`core.sql`: statements composed with psycopg.sql, and ordering whitelists that answer 400."""

from __future__ import annotations

import pytest
from rest_framework.exceptions import ValidationError

from clubs.selectors import ClubRows
from clubs.sql import CLUB_ORDER_BY
from clubs.views import ClubViewSet
from core.sql import Identifier, UnknownOrdering, order_by, text
from events.selectors import EventRows
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_order_by_quotes_names_and_reads_direction():
    assert text(order_by(["-b", "a"], {"a": Identifier("t", "a"), "b": Identifier("b")})) == '"b" DESC, "t"."a" ASC'


@pytest.mark.parametrize("term", ["nope", "-nope", "name; DROP TABLE clubs", ""])
def test_a_term_outside_the_whitelist_is_a_400_never_a_key_error(term):
    with pytest.raises(UnknownOrdering) as raised:
        order_by([term], CLUB_ORDER_BY)
    assert isinstance(raised.value, ValidationError)
    assert list(raised.value.detail) == ["ordering"]


def test_lists_refuse_an_unknown_ordering_before_any_query(django_assert_num_queries):
    user = UserFactory()
    with django_assert_num_queries(0), pytest.raises(UnknownOrdering):
        ClubRows(user=user, ordering=("bogus", "id"))
    with django_assert_num_queries(0), pytest.raises(UnknownOrdering):
        EventRows(user=user, ordering="bogus")


def test_an_ordering_the_view_allows_but_sql_does_not_know_is_a_400(monkeypatch):
    """Were a name added to `ordering_fields` without its SQL, the answer is a 400 on `ordering`,
    not a 500."""
    monkeypatch.setattr(ClubViewSet, "ordering_fields", [*ClubViewSet.ordering_fields, "owner"])
    response = client_for(UserFactory()).get("/api/v1/clubs/", {"ordering": "owner"})
    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == ["ordering"]
