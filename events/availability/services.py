"""Writes of RSVPs and of the seats they hold. The only module that writes `Availability` rows or
`Event.attendees`.

Seat rules (the contract of `events.availability.models.Availability` and `events.models.Event`):

- Every write that touches seats first locks the event row (`SELECT ... FOR UPDATE`) inside the
  caller's transaction, then recounts from the RSVP rows and writes. Concurrent writers to one
  event therefore queue on that lock, so `attendee_count` never exceeds `max_attendees`.
- A seat is an `available` RSVP with `waitlisted` false. Past `max_attendees`, an `available` RSVP
  is stored with `waitlisted` true and the next `waitlist_position` (first come, first served).
- Whenever a seat frees up, the lowest positions are promoted in the same transaction, and the
  remaining positions are renumbered 1..n without gaps.
- `Event.attendees` is rewritten on every such write: the users already seated keep their order,
  newly seated users are appended (promoted ones in waitlist order).
- Several events are always locked in ascending id order, so two writers cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from clubs.models import Club
from clubs.permissions import ClubAccess
from clubs.selectors import club_access
from core import time
from core.locks import Lock, lock_objects, retry_on_conflict
from core.sql import hydrate
from events.availability import rows, sql
from events.availability.models import Availability, RsvpStatus
from events.exceptions import event_open_ensure
from events.models import Event
from notifications import services as notifications
from webhooks import emit as webhooks
from webhooks.types import WebhookEventType


class EventGone(Event.DoesNotExist, Http404):
    """The event is not there (any more): `Event.DoesNotExist` to services, 404 to the API (a write
    that waited for the event's lock while a delete held it)."""


def event_lock(*, event_id) -> Event:
    """Lock and return the event row (`EventGone`, an `Event.DoesNotExist` that answers 404, if
    there is none). Must run inside a transaction. The event's place in the global lock order is
    documented in core/locks.py (user, membership, club, event, RSVP)."""
    with connection.cursor() as cursor:
        cursor.execute(sql.event_lock(), [event_id])
        row = cursor.fetchone()
    if row is None:
        raise EventGone(f"{Event._meta.object_name} matching query does not exist.")
    event, _ = hydrate(Event, row)
    return event


def event_lock_with_hooks(*, event_id, type: str) -> tuple[Event, list]:
    """`event_lock`, with the ids of the club's active webhooks subscribed to `type`, read in the
    same statement (for `webhooks.emit`'s `hook_ids`)."""
    with connection.cursor() as cursor:
        cursor.execute(sql.event_lock_with_hooks(), [str(type), event_id])
        row = cursor.fetchone()
    if row is None:
        raise EventGone(f"{Event._meta.object_name} matching query does not exist.")
    event, end = hydrate(Event, row)
    return event, row[end]


def events_lock(*, event_ids: Iterable) -> list[Event]:
    """Lock several event rows (with their clubs, unlocked) in ascending id order (core/locks.py)."""
    ids = set(event_ids)
    if not ids:
        return []
    (events,) = lock_objects(Lock(Event.objects.select_related("club").filter(pk__in=ids)))
    return events


def _seats_plan(*, event: Event, rows: list) -> tuple[list, bool]:
    """The decisions of `event_seats_sync`, in memory: `rows` are the event's `available` RSVPs
    (`Availability` instances or `rows.Seat`s: only their seat attributes are read and set).

    Promotes and renumbers `rows` in place and sets `event.attendees`; returns the rows that
    changed and whether `attendees` changed. Writes nothing.
    """
    seated = [row for row in rows if not row.waitlisted]
    waiting = sorted(
        (row for row in rows if row.waitlisted), key=lambda r: (r.waitlist_position or 0, r.created_at, str(r.id))
    )
    free = len(waiting) if event.max_attendees is None else max(event.max_attendees - len(seated), 0)
    promoted, still_waiting = waiting[:free], waiting[free:]

    changed: list[Availability] = []
    for row in promoted:
        row.waitlisted = False
        row.waitlist_position = None
        changed.append(row)
    for position, row in enumerate(still_waiting, start=1):
        if row.waitlist_position != position:
            row.waitlist_position = position
            changed.append(row)

    seated_ids = {row.user_id for row in seated}
    kept = [user_id for user_id in (event.attendees or []) if user_id in seated_ids]
    kept_set = set(kept)
    # Seated rows missing from the array (e.g. rows written by an older code path) follow in RSVP order.
    late = [
        row.user_id for row in sorted(seated, key=lambda r: (r.created_at, str(r.id))) if row.user_id not in kept_set
    ]
    attendees = kept + late + [row.user_id for row in promoted]
    if attendees == list(event.attendees or []):
        return changed, False
    event.attendees = attendees
    return changed, True


def _seats_write(*, event: Event, changed: Iterable, attendees_changed: bool) -> None:
    """Write the seats of `changed` RSVPs and, if `attendees_changed`, the event's `attendees`
    (with `updated_at`, as `save(update_fields=...)` would stamp it). Every promotion passes
    here (the seat rules change no seated row, so a changed row without `waitlisted` is one just
    promoted): those users are told, once each (`waitlist_promoted`)."""
    changed = list(changed)
    with connection.cursor() as cursor:
        if changed:
            # The (event, waitlist_position) unique constraint is DEFERRED, so renumbering in place
            # is checked once, at commit.
            cursor.execute(
                sql.seats_update(),
                [
                    [row.pk for row in changed],
                    [row.waitlisted for row in changed],
                    [row.waitlist_position for row in changed],
                ],
            )
        if attendees_changed:
            event.updated_at = timezone.now()
            cursor.execute(sql.attendees_update(), [list(event.attendees), event.updated_at, event.pk])
    notifications.notify_waitlist_promoted(event=event, user_ids=[row.user_id for row in changed if not row.waitlisted])


def event_seats_sync(*, event: Event) -> Event:
    """Bring seats, waitlist and `event.attendees` in line with the RSVP rows of a LOCKED event.

    Promotes the longest-waiting RSVPs into free seats, renumbers the waitlist 1..n and rewrites
    `attendees` when it changed. The caller holds the lock on `event` (see `event_lock`). Seated
    RSVPs are never demoted here: lowering `max_attendees` below the seated count is refused by
    `events.services.event_update` before it gets here.
    """
    rows = list(
        Availability.objects.filter(event=event, status=RsvpStatus.AVAILABLE).order_by(
            "waitlist_position", "created_at", "id"
        )
    )
    changed, attendees_changed = _seats_plan(event=event, rows=rows)
    _seats_write(event=event, changed=changed, attendees_changed=attendees_changed)
    return event


def rsvp_check(*, access: ClubAccess, event: Event) -> None:
    """403 unless the caller may RSVP to `event` (checked again under the locks by the upsert)."""
    if not access.can_rsvp(event.is_public):
        raise PermissionDenied("You may not RSVP to this event.")


def rsvp_of_others_check(*, access: ClubAccess) -> None:
    """403 unless the caller may set another member's RSVP: club moderators and admins."""
    if not access.can_set_others_rsvp():
        raise PermissionDenied("Only club moderators and admins may set another member's RSVP.")


def _rsvp_eligibility_lock(*, event_id, user, seen_event: Event | None = None) -> bool:
    """Lock the user's row and club membership row, then check that the user may RSVP.

    Leave, removal and deactivation update those rows first and release seats afterwards, so
    holding them here makes an RSVP either wait for such a change and then see it, or finish
    before it, in which case the release finds the new RSVP and removes it. Rows are locked in
    the project's order (user, membership, then event) so this cannot deadlock with a release.

    The event's `is_public` and its club are read without a lock (they only need the club's id
    before the membership lock), so `seen_event`, the same event with `club` as the caller read it
    just before, serves as well as reading them again.

    Returns whether the user may RSVP only because the event and its club are public (an outsider):
    then the caller checks `_outsider_still_sees` again under the event lock.
    """
    if seen_event is None or seen_event.pk != event_id:
        seen_event = Event.objects.select_related("club").filter(pk=event_id).first()
        if seen_event is None:
            raise EventGone()
    club, is_public = seen_event.club, seen_event.is_public
    with connection.cursor() as cursor:
        cursor.execute(sql.user_lock(), [user.pk])
        active_user = cursor.fetchone() is not None
        cursor.execute(sql.membership_lock(), [club.pk, user.pk])
        membership = cursor.fetchone()
    role = membership[0] if membership is not None else None
    access = club_access(user=user, club=club, role=role)
    if not active_user or not access.can_rsvp(is_public):
        raise PermissionDenied("This user may not RSVP to this event.")
    return not access.is_member and not access.site_admin


def _outsider_still_sees(*, event: Event) -> None:
    """Under the event lock: 404 unless the event and its club are still public. A club or event
    that turned private released its outsiders' RSVPs under this lock
    (`events.availability.outsiders`), so an RSVP that read `is_public` before must not add one."""
    if not event.is_public or not Club.objects.filter(pk=event.club_id, is_public=True).exists():
        raise Http404


def availability_set(
    *, event_id, user, status: str, notes: str | None = None, notes_given: bool = True
) -> Availability:
    """`availability_upsert` without the created flag."""
    row, _ = availability_upsert(event_id=event_id, user=user, status=status, notes=notes, notes_given=notes_given)
    return row


@retry_on_conflict
@transaction.atomic
def availability_upsert(
    *,
    event_id,
    user,
    status: str,
    notes: str | None = None,
    notes_given: bool = True,
    seen_event: Event | None = None,
) -> tuple[Availability, bool]:
    """Upsert `user`'s RSVP to the event under a lock on the event row; return the stored row
    (with `user` set and `updated_at` as stored) and whether it was created.

    An `available` RSVP that already holds a seat or a waitlist place keeps it (only `notes`
    change). A new `available` RSVP takes a free seat, or the next waitlist position when the
    event is full. Leaving `available` frees the seat or place and promotes the next in line.
    A cancelled event refuses any answer (409 `event_cancelled`): its RSVPs stay as history.
    The caller checks permissions; eligibility is checked again here (`_rsvp_eligibility_lock`)
    so that a concurrent leave, removal or deactivation cannot leave a seat to someone who has
    just gone. `seen_event` (optional): the event with its `club` as the caller has just read it,
    which spares re-reading it before the locks (see `_rsvp_eligibility_lock`).

    Under the event lock this is one read and, usually, one write: the event's `available` RSVPs
    and the user's own row come in one query, the seat rules (`_seats_plan`) run in memory before
    and after the change, exactly as `event_seats_sync` would around it, and only then is anything
    written. The lock is held for fewer statements, which is what concurrent RSVPs wait on.
    """
    outsider = _rsvp_eligibility_lock(event_id=event_id, user=user, seen_event=seen_event)
    event, hook_ids = event_lock_with_hooks(event_id=event_id, type=WebhookEventType.RSVP_CHANGED)
    event_open_ensure(event)  # under the lock: a cancellation that committed first is seen
    if outsider:
        _outsider_still_sees(event=event)
    row, available = rows.upsert_rows(event=event, user=user)

    # The state before the change, as `event_seats_sync` leaves it (normally nothing to do).
    changed, attendees_changed = _seats_plan(event=event, rows=available)

    created = row is None
    if created:
        # Stamped here rather than by `save()`, so the plans below sort by the stored value.
        now = timezone.now()
        row = Availability(
            event=event, user=user, status=status, notes=notes if notes_given else None, created_at=now, updated_at=now
        )
        was_available = False
    else:
        was_available = row.status == RsvpStatus.AVAILABLE
        row.user = user
        row.status = status
        if notes_given:
            row.notes = notes

    if status == RsvpStatus.AVAILABLE and not was_available:
        seated_count = sum(1 for other in available if not other.waitlisted)
        if event.max_attendees is None or seated_count < event.max_attendees:
            row.waitlisted, row.waitlist_position = False, None
        else:
            row.waitlisted, row.waitlist_position = True, len(available) - seated_count + 1
        available.append(row)
    elif status != RsvpStatus.AVAILABLE:
        row.waitlisted, row.waitlist_position = False, None
        if was_available:
            available.remove(row)

    # Promote into a seat this change freed (or renumber after a place it gave up).
    changed_after, attendees_changed_after = _seats_plan(event=event, rows=available)
    others = {other.pk: other for other in (*changed, *changed_after) if other is not row}
    _seats_write(event=event, changed=others.values(), attendees_changed=attendees_changed or attendees_changed_after)
    if created:
        rows.row_insert(row)
    else:
        rows.row_update(row)
    webhooks.rsvp_changed(
        event=event, user_id=row.user_id, status=row.status, waitlisted=row.waitlisted, hook_ids=hook_ids
    )
    return row, created


@retry_on_conflict
@transaction.atomic
def availability_delete(*, event_id, user) -> bool:
    """Delete `user`'s RSVP (a user or a user id) under a lock on the event row, promoting the
    next in line. Returns whether there was an RSVP to delete; `EventGone` (404) if the event is.
    A cancelled event keeps its RSVPs as history (409 `event_cancelled`). Webhooks hear of it."""
    event, hook_ids = event_lock_with_hooks(event_id=event_id, type=WebhookEventType.RSVP_CHANGED)
    event_open_ensure(event)
    deleted, _ = Availability.objects.filter(event=event, user=user).delete()
    event_seats_sync(event=event)
    if deleted:
        webhooks.rsvp_changed(event=event, user_id=getattr(user, "pk", user), status=None, hook_ids=hook_ids)
    return bool(deleted)


def release_user_everywhere(*, user) -> None:
    """`availability_release_user` for every club: the user is deactivated site-wide."""
    availability_release_user(user=user, club=None)


def availability_release_user(*, user, club=None) -> None:
    """Free every seat and waitlist place `user` holds in UPCOMING events of `club` (of every club
    when `club` is None, i.e. the user is deactivated site-wide).

    Called inside the caller's transaction when a user leaves or is removed from `club`, or is
    deactivated. Decisions:
    - Upcoming is `core.time`'s rule: the event starts now or later in its club's time zone. Past
      events, and events that have already started, keep their RSVPs and attendee lists as history.
    - The user's RSVP rows to those events are DELETED (whatever their status): a former member
      no longer answers for the club's events, and the `no_response` count only covers active
      members anyway.
    - Each affected event is locked (ascending id order), the next in line promoted, positions
      renumbered and `attendees` rewritten.
    """
    with transaction.atomic():
        now = timezone.now()
        # Time zones differ by at most a day from UTC; the exact per-club cut is made below.
        events = Event.objects.filter(event_date__gte=time.earliest_upcoming_date(now))
        if club is not None:
            events = events.filter(club=club)
        user_id = getattr(user, "pk", user)
        rsvp_events = Availability.objects.filter(user_id=user_id, event__in=events).values_list("event_id", flat=True)
        seat_events = events.filter(attendees__contains=[user_id]).values_list("id", flat=True)
        candidate_ids = set(rsvp_events) | set(seat_events)
        for event in events_lock(event_ids=candidate_ids):
            if not time.is_upcoming(event, now=now):
                continue
            Availability.objects.filter(event=event, user_id=user_id).delete()
            event_seats_sync(event=event)
