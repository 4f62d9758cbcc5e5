"""Reads of the history tables: a club's activity feed.

The feed is one UNION ALL over the club's history rows (memberships, events, RSVPs and items of
its events, and the club itself), newest first. Each row carries the snapshot of an allow-list of
fields (`FEED_FIELDS`: never an email, a phone or a secret, whatever the tables hold) and the
same fields of the object's previous snapshot, from which `change_set` computes the old and new
values.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields.json import KT
from django.db.models.functions import JSONObject

from accounts.models import User
from audit.models import ClubHistory, EventHistory, ItemHistory, MembershipHistory, RsvpHistory
from clubs.models import Club
from events.models import Event

# What the feed shows of each kind of object (column names, as in the snapshot).
FEED_FIELDS: dict[str, tuple[type, tuple[str, ...]]] = {
    "club": (
        ClubHistory,
        (
            *("name", "description", "owner_id", "is_public", "max_members", "meeting_frequency"),
            *("current_book", "location", "tags", "timezone"),
        ),
    ),
    "member": (MembershipHistory, ("user_id", "role", "is_active", "books_read")),
    "event": (
        EventHistory,
        (
            *("title", "description", "event_date", "event_time", "duration_minutes", "location", "book"),
            *("type", "max_attendees", "is_public", "status", "cancel_reason"),
        ),
    ),
    "rsvp": (RsvpHistory, ("event_id", "user_id", "status", "notes", "waitlisted", "waitlist_position")),
    "item": (ItemHistory, ("event_id", "name", "category", "status", "notes", "assigned_to_id")),
}


def _snapshot(fields: tuple[str, ...], prefix: str = "") -> JSONObject:
    return JSONObject(**{field: F(prefix + field) for field in fields})


def _branch(kind: str, rows: QuerySet) -> QuerySet:
    model, fields = FEED_FIELDS[kind]
    previous = model.objects.filter(pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id"))
    return (
        rows.annotate(context=F("pgh_context__metadata"))
        .annotate(
            seq=F("pgh_id"),
            at=F("pgh_created_at"),
            action=F("pgh_label"),
            kind=Value(kind),
            object_id=F("pgh_obj_id"),
            data=_snapshot(fields),
            previous=Subquery(previous.order_by("-pgh_id").values(json=_snapshot(fields))[:1]),
            actor_id=KT("context__user"),
            channel=KT("context__channel"),
            request_id=KT("context__request_id"),
        )
        .values("seq", "at", "action", "kind", "object_id", "data", "previous", "actor_id", "channel", "request_id")
    )


def club_activity_list(*, club: Club) -> QuerySet:
    """Every recorded change to `club`, its memberships, its events and their RSVPs and items,
    newest first (ties: the later row first). Rows are dicts (see `_branch`).

    The caller decides who may read it (club admins and site admins: `ClubAccess.can_edit_club`).
    """
    event_ids = Q(event_id__in=Event.objects.filter(club_id=club.pk).values("id")) | Q(
        event_id__in=EventHistory.objects.filter(club_id=club.pk).values("pgh_obj_id")
    )
    branches = [
        _branch("club", ClubHistory.objects.filter(pgh_obj_id=club.pk)),
        _branch("member", MembershipHistory.objects.filter(club_id=club.pk)),
        _branch("event", EventHistory.objects.filter(club_id=club.pk)),
        _branch("rsvp", RsvpHistory.objects.filter(event_ids)),
        _branch("item", ItemHistory.objects.filter(event_ids)),
    ]
    first, *rest = branches
    return first.union(*rest, all=True).order_by("-at", "-seq")


def change_set(action: str, data: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, list[Any]]:
    """`{field: [old, new]}`: every field for an insert (old null) or a delete (new null); the
    fields that differ from the previous snapshot for an update."""
    if action == "insert":
        return {field: [None, value] for field, value in data.items()}
    if action == "delete":
        return {field: [value, None] for field, value in data.items()}
    previous = previous or {}
    return {field: [previous.get(field), value] for field, value in data.items() if previous.get(field) != value}


def user_names(ids: set[str]) -> dict[str, str]:
    """Names (never emails) of the users with these ids that still exist."""
    ids = {value for value in ids if value}
    return {str(pk): name for pk, name in User.objects.filter(pk__in=ids).values_list("pk", "name")} if ids else {}
