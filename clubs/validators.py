"""Input rules of clubs shared by the API serializers and the admin forms (one source of truth)."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Iterable

from django.core.exceptions import ValidationError

MAX_TAGS = 20
MAX_TAG_LENGTH = 50
# `max_members` and `books_read` are PostgreSQL `integer` columns: larger values must answer 400,
# not reach the database as a DataError (500).
MAX_INT = 2**31 - 1


@functools.cache
def available_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> str:
    """`value` if it is an IANA time zone name known to this system, else ValidationError."""
    if value not in available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA time zone name.", code="invalid_timezone")
    return value


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Trim, lower-case and de-duplicate `tags` (first occurrence wins, order kept); blanks are
    dropped. At most `MAX_TAGS` tags of at most `MAX_TAG_LENGTH` characters, else ValidationError."""
    result: list[str] = []
    for raw in tags:
        tag = str(raw).strip().lower()
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationError(f"Tag {tag[:20]!r}… is longer than {MAX_TAG_LENGTH} characters.", code="tag_too_long")
        if tag not in result:
            result.append(tag)
    if len(result) > MAX_TAGS:
        raise ValidationError(f"At most {MAX_TAGS} distinct tags are allowed.", code="too_many_tags")
    return result


def parse_tag_query(value: str) -> list[str]:
    """The tags of a `?tags=a,b` query, normalised like stored tags (no length errors: a tag that
    cannot be stored simply matches nothing)."""
    return list(dict.fromkeys(part.strip().lower() for part in (value or "").split(",") if part.strip()))
