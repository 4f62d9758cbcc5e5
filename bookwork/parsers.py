"""The one JSON parser of the API (DEFAULT_PARSER_CLASSES).

DRF's JSONParser turns malformed JSON into a 400 but lets `RecursionError` through: a body nested
a couple of thousand levels deep answered 500 on every endpoint, anonymous ones included. Here that
is a 400 `parse_error` too, and so is any body nested deeper than `MAX_JSON_DEPTH` (no request of
the contract nests more than a few levels; a deep body that the decoder still accepts would only
move the recursion into validation or error rendering).
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 64
TOO_DEEP = f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels."


def json_depth_exceeds(value, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether `value` (parsed JSON) nests lists/objects deeper than `limit`; iterative, so it
    cannot recurse itself."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser; too deep a body is a 400 `parse_error`, never a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if json_depth_exceeds(data):
            raise ParseError(TOO_DEEP)
        return data
