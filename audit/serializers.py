"""The one declaration of an activity-feed entry (`GET /api/v1/clubs/{id}/activity/`)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from audit.selectors import FEED_FIELDS, change_set
from core.context import CHANNELS


class ActivityUserSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(allow_null=True, help_text="Null when the user no longer exists.")


class ActivityEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="When the change was committed.")
    action = serializers.ChoiceField(choices=["insert", "update", "delete"])
    object_type = serializers.ChoiceField(choices=list(FEED_FIELDS), help_text="What was changed.")
    object_id = serializers.UUIDField()
    subject = ActivityUserSerializer(
        allow_null=True, help_text="The member whose membership or RSVP it is, or the item's assignee."
    )
    changes = serializers.DictField(
        child=serializers.ListField(min_length=2, max_length=2, allow_null=True),
        help_text="`{field: [old, new]}`: all fields for an insert (old null) or a delete (new null), "
        "the changed ones for an update. Never emails, phones or secrets.",
    )
    actor = ActivityUserSerializer(allow_null=True, help_text="Who made the change; null for commands and jobs.")
    channel = serializers.ChoiceField(choices=list(CHANNELS), allow_null=True, help_text="Through which door.")
    request_id = serializers.CharField(allow_null=True, help_text="The X-Request-ID of the request that did it.")


SUBJECT_FIELD = {"member": "user_id", "rsvp": "user_id", "item": "assigned_to_id"}


def activity_representation(row: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """One feed row (`audit.selectors.club_activity_list`) as the API shows it."""

    def user(user_id: Any) -> dict[str, Any] | None:
        return {"id": str(user_id), "name": names.get(str(user_id))} if user_id else None

    data = row["data"] or {}
    return {
        "at": row["at"],
        "action": row["action"],
        "object_type": row["kind"],
        "object_id": row["object_id"],
        "subject": user(data.get(SUBJECT_FIELD.get(row["kind"], ""))),
        "changes": change_set(row["action"], data, row["previous"]),
        "actor": user(row["actor_id"]),
        "channel": row["channel"],
        "request_id": row["request_id"],
    }


def people_in(rows: list[dict[str, Any]]) -> set[str]:
    """Ids of the actors and subjects of these rows, whose names the page shows."""
    ids = {row["actor_id"] for row in rows}
    ids |= {(row["data"] or {}).get(SUBJECT_FIELD.get(row["kind"], "")) for row in rows}
    return {str(value) for value in ids if value}
