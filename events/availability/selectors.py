"""Reads of RSVPs. Callers have already checked that the event is visible
(`events.selectors.event_get_visible`)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from clubs.models import ClubMember
from events.availability.models import Availability, RsvpStatus
from events.models import Event


def availability_list(*, event: Event) -> QuerySet[Availability]:
    """RSVPs of `event`, oldest first, with their users (one query per page)."""
    return Availability.objects.filter(event=event).select_related("user").order_by("created_at", "id")


def availability_summary(*, event: Event) -> dict[str, int]:
    """Counts of the whole event in two aggregate queries.

    `available` counts seated RSVPs only; `waitlisted` the waiting ones; `no_response` the active
    members of the club without any RSVP."""
    counts = Availability.objects.filter(event=event).aggregate(
        available=Count("id", filter=Q(status=RsvpStatus.AVAILABLE, waitlisted=False)),
        waitlisted=Count("id", filter=Q(status=RsvpStatus.AVAILABLE, waitlisted=True)),
        maybe=Count("id", filter=Q(status=RsvpStatus.MAYBE)),
        unavailable=Count("id", filter=Q(status=RsvpStatus.UNAVAILABLE)),
    )
    answered = Availability.objects.filter(event=event, user=OuterRef("user"))
    counts["no_response"] = (
        ClubMember.objects.filter(club_id=event.club_id, is_active=True).filter(~Exists(answered)).count()
    )
    return counts


def availability_of(*, event: Event, user) -> Availability | None:
    return Availability.objects.filter(event=event, user=user).select_related("user").first()
