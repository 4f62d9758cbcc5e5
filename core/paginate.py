"""Paginating plain APIViews with the project's page-number pagination."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.core.paginator import Paginator
from rest_framework.response import Response

from core.pagination import PageNumberPagination


class _CountedPaginator(Paginator):
    """Django's paginator with the number of rows already known (it would run COUNT(*) itself,
    and the project's paginator would take it from a short first page instead)."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count = count


def paginate(
    request,
    view,
    queryset,
    serializer_class=None,
    *,
    extra: dict | None = None,
    prepare: Callable | None = None,
    count: int | None = None,
    represent: Callable | None = None,
) -> Response:
    """One page of `queryset` in the contract's list shape; `extra` keys go before `results`.

    `queryset` may also be any object a Django paginator slices (`[start:stop]`).
    `prepare`, if given, receives the page's rows (a list) before they are represented.
    `results` is `serializer_class(page, many=True).data`, or `represent(page)` (a list) for rows
    represented by hand; exactly one of the two is given.
    `count`, if given, is the number of rows, already known: no COUNT query, and the body's
    `count` is this number whatever the page holds.

    An empty page is `"results": []`, never null; a page number past the end is a 404 like DRF's."""
    if (serializer_class is None) == (represent is None):
        raise TypeError("paginate() takes exactly one of serializer_class and represent")
    paginator = PageNumberPagination()
    if count is not None:
        paginator.django_paginator_class = functools.partial(_CountedPaginator, count=count)
    page = paginator.paginate_queryset(queryset, request, view=view)
    if prepare is not None:
        prepare(page)
    body = {
        "count": paginator.page.paginator.count,
        "next": paginator.get_next_link(),
        "previous": paginator.get_previous_link(),
        **(extra or {}),
        "results": represent(page) if represent is not None else serializer_class(page, many=True).data,
    }
    return Response(body)
