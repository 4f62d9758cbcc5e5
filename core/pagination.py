"""Page-number pagination of the contract: `?page=`, `?page_size=` (default 20, at most 100).

A `page_size` that is not a positive integer written in ASCII digits is a 400 (DRF would silently use the default);
one above 100 is capped at 100, as the contract says. A page past the end, or a `page` that is
not a positive integer, is DRF's 404, `?page=` included (DRF would answer the first page) and
`?page=last` (an integer is documented); a `page` of non-ASCII digits (`?page=²`) is a 400, as
every integer query parameter takes ASCII digits only.
"""

from django.core.paginator import Paginator as DjangoPaginator
from drf_spectacular.utils import OpenApiParameter
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError


class Paginator(DjangoPaginator):
    """Django's paginator, minus the COUNT query where the first page already tells the count.

    Page 1 always exists (an empty first page is allowed), so it is fetched before anything is
    counted; when it holds fewer rows than a page, those rows are the whole list and their number
    is the count. Most lists (a member's clubs, an event's items and RSVPs) fit in one page, so
    this saves one of their three or four queries. Other pages are Django's."""

    def page(self, number):
        if int(number) != 1 or self.orphans or not self.allow_empty_first_page:
            return super().page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            self.__dict__["count"] = len(rows)  # `count` is a cached_property
        return self._get_page(rows, 1, self)


class PageNumberPagination(pagination.PageNumberPagination):
    django_paginator_class = Paginator
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # ASCII digits only: `str.isdigit` also accepts "²" or "٣", which `int` rejects or reads.
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise ValidationError({"page_size": ["Must be a positive integer."]}, code="invalid")
        return min(int(raw), self.max_page_size)

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if raw.isdigit() and not raw.isascii():
            # Digits, but not ASCII ones ("²", "٣"): integer parameters take ASCII digits only.
            raise ValidationError({self.page_query_param: ["Must be written in ASCII digits."]}, code="invalid")
        if not (raw.isascii() and raw.isdigit()):
            message = "That page number is not an integer"
            raise NotFound(self.invalid_page_message.format(page_number=raw, message=message))
        return raw

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                # No `maximum`: a larger value is capped, not rejected (the contract's rule).
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (
                    f"Results per page, default {self.page_size}; above {self.max_page_size} is capped to {self.max_page_size}."
                )
            elif parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters


def page_parameters() -> list[OpenApiParameter]:
    """`page` and `page_size` as documented on every list, for a view drf-spectacular does not see as
    a list (its paginated body carries more than `results`, e.g. the availability summary)."""
    return [
        OpenApiParameter(
            parameter["name"],
            parameter["schema"],
            OpenApiParameter.QUERY,
            required=False,
            description=parameter["description"],
        )
        for parameter in PageNumberPagination().get_schema_operation_parameters(view=None)
    ]
