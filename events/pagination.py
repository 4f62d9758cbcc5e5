"""Paginating plain APIViews with the project's page-number pagination."""

from __future__ import annotations

from collections.abc import Callable

from rest_framework.response import Response

from bookwork.pagination import PageNumberPagination


def paginate(
    request, view, queryset, serializer_class, *, extra: dict | None = None, prepare: Callable | None = None
) -> Response:
    """One page of `queryset` in the contract's list shape; `extra` keys go before `results`.
    `prepare`, if given, receives the page's rows (a list) before they are serialized.

    An empty page is `"results": []`, never null; a page number past the end is a 404 like DRF's."""
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    if prepare is not None:
        prepare(page)
    body = {
        "count": paginator.page.paginator.count,
        "next": paginator.get_next_link(),
        "previous": paginator.get_previous_link(),
        **(extra or {}),
        "results": serializer_class(page, many=True).data,
    }
    return Response(body)
