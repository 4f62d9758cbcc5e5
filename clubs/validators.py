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


MIN_REMINDER_HOURS = 1
MAX_REMINDER_HOURS = 720
MAX_REMINDERS = 10
DEFAULT_REMINDER_HOURS = (168, 24)


def default_reminder_hours() -> list[int]:
    return list(DEFAULT_REMINDER_HOURS)


def normalize_reminder_hours(hours: Iterable[int]) -> list[int]:
    """Whole hours before an event's start at which its reminder goes out: each 1..720, at most
    10 of them; duplicates dropped, longest first. ValidationError otherwise."""
    values = list(hours)
    if any(isinstance(value, bool) or not isinstance(value, int) for value in values):
        raise ValidationError("Reminder hours are whole numbers.", code="invalid")
    if any(not MIN_REMINDER_HOURS <= value <= MAX_REMINDER_HOURS for value in values):
        raise ValidationError(
            f"Each reminder is {MIN_REMINDER_HOURS} to {MAX_REMINDER_HOURS} hours before the start.",
            code="out_of_range",
        )
    unique = sorted(set(values), reverse=True)
    if len(unique) > MAX_REMINDERS:
        raise ValidationError(f"At most {MAX_REMINDERS} reminders.", code="too_many")
    return unique


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


INVITE_ONLY = "invite"  # clubs.models.JoinPolicy.INVITE (that module imports this one)


def join_policy_resolve(*, is_public: bool, requested: str | None, current: str | None = None) -> str:
    """The join policy a club gets: private clubs are always `invite` (a 400 on `join_policy` for
    another value); a public club keeps `requested`, else its current policy, else `open` (also
    when it turns public from private: a club made public without naming a policy is open)."""
    if not is_public:
        if requested not in (None, INVITE_ONLY):
            raise ValidationError(
                {
                    "join_policy": ValidationError(
                        "A private club is always 'invite': outsiders cannot see it to ask.", code="private_club"
                    )
                }
            )
        return INVITE_ONLY
    if requested is not None:
        return requested
    return current if current is not None else "open"
