"""Every kind of notification, declared once: its texts, whether it goes by email by default, and
the templates of its email. Adding a kind is one `declare(...)` here (then `makemigrations`, for
the CHECK constraint that holds the database to this list); emitting it is one call of
`notifications.services.notifications_create`.

Titles and bodies are `str.format` templates filled with the context the emitting service gives
(`notifications.services` builds the event ones: `club`, `event`, `what`, `when`, `changes`, ...);
they are rendered once per emission, stored on each notification, and used by its email too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """One notification kind. `email_default`: whether users get it by email until they choose;
    `email_template`: base name of its `.txt` and `.html` email templates (the generic pair unless
    a kind needs its own)."""

    name: str
    label: str
    title: str
    body: str
    email_default: bool
    email_template: str = "notifications/email/notification"

    def render(self, context: dict) -> tuple[str, str]:
        """The title and body for `context` (every name the templates use must be in it)."""
        return self.title.format_map(context)[:255], self.body.format_map(context)


KINDS: dict[str, Kind] = {}


def declare(kind: Kind) -> Kind:
    if kind.name in KINDS:
        raise ValueError(f"notification kind {kind.name!r} declared twice")
    KINDS[kind.name] = kind
    return kind


def get(name: str) -> Kind:
    return KINDS[name]


EVENT_CREATED = declare(
    Kind(
        name="event_created",
        label="New event",
        title="New {what} in {club}: {event}",
        body="{club} has a new {what}, “{event}”, on {when} at {location}.",
        email_default=False,
    )
)
EVENT_CHANGED = declare(
    Kind(
        name="event_changed",
        label="Event changed",
        title="{The_what} of {club} on {was_when} changed",
        body="The {what} of {club} on {was_when} {changes}.",
        email_default=True,
    )
)
EVENT_CANCELLED = declare(
    Kind(
        name="event_cancelled",
        label="Event cancelled",
        title="Cancelled: {event} ({club}, {when})",
        body="The {what} of {club} on {when} is cancelled{reason}.",
        email_default=True,
    )
)
EVENT_REMINDER = declare(
    Kind(
        name="event_reminder",
        label="Event reminder",
        title="Reminder: {event} ({club}, {when})",
        body="The {what} of {club}, “{event}”, is on {when} at {location}: {in_hours}.",
        email_default=True,
    )
)
WAITLIST_PROMOTED = declare(
    Kind(
        name="waitlist_promoted",
        label="You got a seat",
        title="You have a seat: {event} ({club}, {when})",
        body="A seat freed up: you now have a seat at the {what} of {club} on {when} at {location}.",
        email_default=True,
    )
)
# Kinds of later work (invites, join requests, polls): declared with their defaults now, so the
# settings endpoint lists them and emitting one is a single call.
CLUB_INVITE = declare(
    Kind(
        name="club_invite",
        label="Club invitation",
        title="{actor} invited you to {club}",
        body="{actor} invited you to join {club}.",
        email_default=True,
    )
)
JOIN_REQUEST = declare(
    Kind(
        name="join_request",
        label="Join request",
        title="{actor} asks to join {club}",
        body="{actor} asks to join {club}.",
        email_default=False,
    )
)
JOIN_REQUEST_DECIDED = declare(
    Kind(
        name="join_request_decided",
        label="Join request decided",
        title="Your request to join {club} was {decision}",
        body="Your request to join {club} was {decision}.",
        email_default=True,
    )
)
POLL_OPENED = declare(
    Kind(
        name="poll_opened",
        label="Poll opened",
        title="New poll in {club}: {poll}",
        body="{club} opened a poll: “{poll}”.",
        email_default=False,
    )
)
POLL_CLOSED = declare(
    Kind(
        name="poll_closed",
        label="Poll closed",
        title="Poll closed in {club}: {poll}",
        body="The poll “{poll}” of {club} closed: {winner}.",
        email_default=False,
    )
)
WEBHOOK_DISABLED = declare(
    Kind(
        name="webhook_disabled",
        label="Webhook turned off",
        title="A webhook of {club} was turned off",
        # Off by email by default, as the contract wants for every kind it does not name.
        body="The webhook to {url} was turned off: {reason}. A club admin can turn it on again once it works.",
        email_default=False,
    )
)

# The choices of the model field, the CHECK constraint and the API's enum (one source).
KIND_CHOICES = [(kind.name, kind.label) for kind in KINDS.values()]
