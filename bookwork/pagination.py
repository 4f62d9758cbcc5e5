"""Page-number pagination of the contract: `?page=`, `?page_size=` (default 20, at most 100)."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
