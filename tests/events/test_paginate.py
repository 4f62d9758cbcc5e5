"""`core.paginate.paginate` with rows represented by hand and a count already known (the RSVP
list): the body's `count` is the given number, nothing counts the rows, links and 404s are the
project's pagination."""

from __future__ import annotations

import pytest
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from core.paginate import paginate
from events.availability.serializers import AvailabilitySerializer


class _Rows:
    """Sliceable only: no len(), no count(), so any attempt to count them fails loudly."""

    def __init__(self, n):
        self.rows = list(range(n))
        self.slices = []

    def __getitem__(self, index):
        self.slices.append((index.start, index.stop))
        return self.rows[index]


def _get(query):
    return Request(APIRequestFactory().get(f"/things/{query}"))


def _represent(page):
    return [{"n": n} for n in page]


@pytest.mark.parametrize(("query", "results"), [("?page_size=2", [0, 1]), ("?page=3&page_size=2", [4])])
def test_known_count_and_hand_representation(query, results):
    rows = _Rows(5)
    response = paginate(_get(query), APIView(), rows, count=5, extra={"summary": {"x": 1}}, represent=_represent)
    assert list(response.data) == ["count", "next", "previous", "summary", "results"]
    assert response.data["count"] == 5
    assert response.data["results"] == [{"n": n} for n in results]
    assert len(rows.slices) == 1


def test_a_short_first_page_keeps_the_given_count():
    # The count came from another query (the RSVP summary); the body says that number.
    response = paginate(_get(""), APIView(), _Rows(3), count=4, represent=_represent)
    assert response.data["count"] == 4
    assert response.data["next"] is None


def test_a_page_past_the_known_count_is_a_404():
    with pytest.raises(NotFound):
        paginate(_get("?page=2&page_size=5"), APIView(), _Rows(5), count=5, represent=_represent)


def test_exactly_one_way_to_represent():
    with pytest.raises(TypeError):
        paginate(_get(""), APIView(), _Rows(1), count=1)
    with pytest.raises(TypeError):
        paginate(_get(""), APIView(), _Rows(1), AvailabilitySerializer, count=1, represent=_represent)
