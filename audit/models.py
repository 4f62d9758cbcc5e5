"""History tables: one snapshot row per insert, update and delete of each tracked model.

The rows are written by PostgreSQL triggers (django-pghistory over django-pgtrigger, installed by
`manage.py migrate`), so plain-SQL writes (the RSVP upsert of `events.availability.services`),
the admin, management commands and the worker are all recorded, with the context of the change
(`pghistory.Context.metadata`: acting user, channel, request id; see `core.context`).

Contract:
- A row holds the tracked row's values AFTER the change (BEFORE it for a delete); the old values of
  an update are those of the previous row of the same object (`pghistory.models.Events.pgh_diff`).
- Secrets never enter history: the user's password hash is not snapshotted. `last_login` (every
  sign-in) and every `updated_at` are left out too, so an update that only touches them leaves no
  row; `events.attendees` is left out because it is derived from the RSVPs, which are tracked.
- Rows outlive their object (no foreign-key constraints) until `manage.py prune_history`.
"""

from __future__ import annotations

import pghistory
from django.contrib.postgres.indexes import BrinIndex
from django.db import models

from accounts.models import User
from books.models import Book, ReadingEntry
from books.polls.models import Ballot, Poll, PollOption
from clubs.joining.models import Invite, JoinRequest
from clubs.models import Club, ClubMember
from events.availability.models import Availability
from events.items.models import EventItem
from events.models import Event
from webhooks.models import Webhook

# Never copied into history, for any tracked model that has them: credentials, a webhook's signing
# secret, an invite link's code (whoever holds it may join).
SECRET_FIELDS = frozenset({"password", "token_hash", "jti", "secret", "code"})
NOISE_FIELDS = frozenset({"updated_at", "last_login"})


def _trackers() -> tuple[pghistory.RowEvent, ...]:
    # New instances per model: pghistory adapts each tracker to the model it is attached to.
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


def _history_of(
    model: type[models.Model], name: str, *, also_exclude: tuple[str, ...] = (), indexed: tuple[str, ...] = ()
) -> type[models.Model]:
    fields = {field.name for field in model._meta.local_fields}
    label = model._meta.verbose_name
    exclude = sorted((SECRET_FIELDS | NOISE_FIELDS | set(also_exclude)) & fields)
    # pgh_created_at for prune_history: BRIN, as rows are appended in time order (a few pages of
    # summary where a B-tree would take a write per row); `indexed` for the club activity feed.
    indexes = [BrinIndex(fields=["pgh_created_at"], name=f"{name.lower()}_created")]
    indexes += [models.Index(fields=[field], name=f"{name.lower()}_{field}") for field in indexed]
    return pghistory.create_event_model(
        model,
        *_trackers(),
        exclude=exclude,
        app_label="audit",
        model_name=name,
        # Indexed (settings turn indexes off for copied foreign keys): an object's own history.
        obj_field=pghistory.ObjForeignKey(related_name="history", db_constraint=False, db_index=True),
        abstract=False,
        meta={"indexes": indexes, "verbose_name": f"{label} history", "verbose_name_plural": f"{label} history"},
    )


UserHistory = _history_of(User, "UserHistory")
ClubHistory = _history_of(Club, "ClubHistory")
MembershipHistory = _history_of(ClubMember, "MembershipHistory", indexed=("club",))
EventHistory = _history_of(Event, "EventHistory", also_exclude=("attendees",), indexed=("club",))
RsvpHistory = _history_of(Availability, "RsvpHistory", indexed=("event",))
ItemHistory = _history_of(EventItem, "ItemHistory", indexed=("event",))

# The later models of the round: who changed the reading list, polls and ballots, invitations and
# join requests, and a club's webhooks. A webhook's deliveries and attempts are its own log
# (webhooks.models), not history.
BookHistory = _history_of(Book, "BookHistory", indexed=("club",))
ReadingHistory = _history_of(ReadingEntry, "ReadingHistory")
PollHistory = _history_of(Poll, "PollHistory", indexed=("club",))
PollOptionHistory = _history_of(PollOption, "PollOptionHistory")
BallotHistory = _history_of(Ballot, "BallotHistory")
JoinRequestHistory = _history_of(JoinRequest, "JoinRequestHistory", indexed=("club",))
InviteHistory = _history_of(Invite, "InviteHistory", indexed=("club",))
WebhookHistory = _history_of(Webhook, "WebhookHistory", indexed=("club",))

TRACKED = (
    UserHistory,
    ClubHistory,
    MembershipHistory,
    EventHistory,
    RsvpHistory,
    ItemHistory,
    BookHistory,
    ReadingHistory,
    PollHistory,
    PollOptionHistory,
    BallotHistory,
    JoinRequestHistory,
    InviteHistory,
    WebhookHistory,
)
