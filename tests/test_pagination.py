"""`core.pagination.Paginator`: the first page tells the count when it is short, and every
page answers what Django's paginator answers."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator as DjangoPaginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from core.pagination import Paginator
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _answer(paginator_class, per_page: int, number: int):
    paginator = paginator_class(User.objects.order_by("email"), per_page)
    page = paginator.page(number)
    return [u.pk for u in page], paginator.count, paginator.num_pages, page.has_next(), page.has_previous()


@pytest.mark.parametrize(("rows", "per_page", "number"), [(0, 5, 1), (3, 5, 1), (5, 5, 1), (7, 5, 1), (7, 5, 2)])
def test_same_answers_as_django(rows, per_page, number):
    UserFactory.create_batch(rows)
    assert _answer(Paginator, per_page, number) == _answer(DjangoPaginator, per_page, number)


@pytest.mark.parametrize(("rows", "queries"), [(0, 1), (4, 1), (5, 2), (9, 2)])
def test_count_query_only_when_the_first_page_is_full(rows, queries):
    UserFactory.create_batch(rows)
    with CaptureQueriesContext(connection) as captured:
        _answer(Paginator, 5, 1)
    assert len(captured) == queries
