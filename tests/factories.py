"""factory-boy factories for every model. They write rows directly; tests that care about seat
rules or membership capacity go through the services instead."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

import factory
from django.utils import timezone

from accounts.models import CalendarFeed, IdempotencyRecord, RefreshToken, Role, User
from books.models import Book, BookStatus, ReadingEntry, ReadingStatus
from books.polls.models import Ballot, Poll, PollKind, PollOption
from clubs.joining.models import Invite, JoinRequest
from clubs.models import Club, ClubMember, ClubRole
from events.availability.models import Availability, RsvpStatus
from events.items.models import EventItem, ItemCategory, ItemStatus
from events.models import Event, EventType
from notifications.models import Notification
from webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"user{n}-{uuid.uuid4().hex[:6]}@example.com")
    role = Role.MEMBER
    is_active = True
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save_password(self, create, extracted, **kwargs):
        if create:
            self.save(update_fields=["password"])


class ClubFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Club

    name = factory.Sequence(lambda n: f"Club {n}")
    description = factory.Faker("sentence")
    owner = factory.SubFactory(UserFactory)
    is_public = True
    # As `clubs.services.club_create` decides: public clubs are open, private ones invite-only.
    join_policy = factory.LazyAttribute(lambda club: "open" if club.is_public else "invite")
    max_members = None
    tags = factory.LazyFunction(lambda: ["fiction"])
    timezone = "UTC"

    @factory.post_generation
    def owner_membership(self, create, extracted, **kwargs):
        """The owner is always an active club admin, as `clubs.services.club_create` makes it."""
        if create and self.owner_id and extracted is not False:
            ClubMember.objects.get_or_create(club=self, user=self.owner, defaults={"role": ClubRole.ADMIN})


class ClubMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClubMember

    club = factory.SubFactory(ClubFactory)
    user = factory.SubFactory(UserFactory)
    role = ClubRole.MEMBER
    is_active = True


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    club = factory.SubFactory(ClubFactory)
    title = factory.Sequence(lambda n: f"Event {n}")
    description = factory.Faker("sentence")
    event_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))
    event_time = dt.time(19, 0)
    location = "Library, room 2"
    book = "Middlemarch"
    type = EventType.DISCUSSION
    max_attendees = None
    is_public = False
    created_by = factory.LazyAttribute(lambda event: event.club.owner)


class AvailabilityFactory(factory.django.DjangoModelFactory):
    """A plain RSVP row. It does not take a seat: use the availability services for that."""

    class Meta:
        model = Availability

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)
    status = RsvpStatus.MAYBE


class EventItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventItem

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Item {n}")
    category = ItemCategory.TASK
    status = ItemStatus.PENDING
    created_by = factory.LazyAttribute(lambda item: item.event.created_by)


class RefreshTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RefreshToken

    user = factory.SubFactory(UserFactory)
    token_hash = factory.LazyFunction(lambda: hashlib.sha256(secrets.token_bytes(32)).hexdigest())
    jti = factory.LazyFunction(lambda: uuid.uuid4().hex)
    family_id = factory.LazyFunction(uuid.uuid4)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=14))
    family_expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))


class BookFactory(factory.django.DjangoModelFactory):
    """A planned book. Use `books.services.book_start` to make one current."""

    class Meta:
        model = Book

    club = factory.SubFactory(ClubFactory)
    title = factory.Sequence(lambda n: f"Book {n}")
    author = "George Eliot"
    status = BookStatus.PLANNED
    added_by = factory.LazyAttribute(lambda book: book.club.owner)


class ReadingEntryFactory(factory.django.DjangoModelFactory):
    """A plain reading entry row (it does not move `books_read`: the service does)."""

    class Meta:
        model = ReadingEntry

    book = factory.SubFactory(BookFactory)
    user = factory.SubFactory(UserFactory)
    status = ReadingStatus.READING
    progress_percent = 10


class PollFactory(factory.django.DjangoModelFactory):
    """An open text poll with `options` labels (default three) as its options."""

    class Meta:
        model = Poll
        skip_postgeneration_save = True

    club = factory.SubFactory(ClubFactory)
    question = factory.Sequence(lambda n: f"Question {n}?")
    kind = PollKind.TEXT
    created_by = factory.LazyAttribute(lambda poll: poll.club.owner)

    @factory.post_generation
    def options(self, create, extracted, **kwargs):
        if create:
            labels = extracted if extracted is not None else ["Alpha", "Beta", "Gamma"]
            PollOption.objects.bulk_create(
                PollOption(poll=self, position=i, label=label) for i, label in enumerate(labels)
            )


class BallotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ballot

    poll = factory.SubFactory(PollFactory)
    user = factory.SubFactory(UserFactory)
    choices = factory.LazyAttribute(lambda ballot: [ballot.poll.options.order_by("position").first().pk])


class CalendarFeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarFeed

    user = factory.SubFactory(UserFactory)
    nonce = factory.LazyFunction(lambda: secrets.token_hex(32))
    token_hash = factory.LazyFunction(lambda: secrets.token_hex(32))


class IdempotencyRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdempotencyRecord

    user = factory.SubFactory(UserFactory)
    key = factory.LazyFunction(lambda: uuid.uuid4().hex)
    fingerprint = factory.LazyFunction(lambda: secrets.token_hex(32))
    status_code = 201
    content_type = "application/json"
    body = b"{}"


class WebhookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Webhook

    club = factory.SubFactory(ClubFactory)
    url = factory.Sequence(lambda n: f"https://hooks{n}.example.com/bookwork")
    events = factory.LazyFunction(lambda: ["event.created"])
    secret = factory.LazyFunction(lambda: "whsec_" + secrets.token_hex(32))


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    webhook = factory.SubFactory(WebhookFactory)
    event_id = factory.LazyFunction(uuid.uuid4)
    event_type = "event.created"
    body = b"{}"


class WebhookAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookAttempt

    delivery = factory.SubFactory(WebhookDeliveryFactory)
    webhook = factory.LazyAttribute(lambda attempt: attempt.delivery.webhook)
    event_type = "event.created"
    attempt = 1
    status_code = 200
    delivered_at = factory.LazyFunction(timezone.now)


class JoinRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JoinRequest

    club = factory.SubFactory(ClubFactory)
    user = factory.SubFactory(UserFactory)
    message = "Let me in"


class InviteFactory(factory.django.DjangoModelFactory):
    """A link invite (no email, no user) usable once for a week."""

    class Meta:
        model = Invite

    club = factory.SubFactory(ClubFactory)
    code = factory.LazyFunction(lambda: secrets.token_urlsafe(24))
    max_uses = 1
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    created_by = factory.LazyAttribute(lambda invite: invite.club.owner)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    kind = "event_created"
    title = factory.Sequence(lambda n: f"Notification {n}")
    body = "Something happened."
