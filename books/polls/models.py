"""Polls of a club (`polls`), their options (`poll_options`) and one ballot per voter (`poll_ballots`).

Contract:
- A ballot lists option ids (`choices`), most preferred first for a ranked poll; one per
  (poll, user) by a UNIQUE constraint; a second vote replaces it (books/polls/services.py).
- Options keep the order they were given in (`position`): ties go to the option listed first.
- `winner` is set when the poll closes (null for a poll closed without ballots).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from books.models import Book
from clubs.models import Club
from core.models import created_at_field, updated_at_field, uuid_primary_key

QUESTION_MAX = 255
LABEL_MAX = 255
MIN_OPTIONS = 2
MAX_OPTIONS = 20


class PollKind(models.TextChoices):
    BOOK = "book", "Book"
    DATE = "date", "Date"
    TEXT = "text", "Text"


class PollResults(models.TextChoices):
    VISIBLE = "visible", "Always visible"
    AFTER_VOTE = "after_vote", "After voting"
    AFTER_CLOSE = "after_close", "After closing"


class PollStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Poll(models.Model):
    id = uuid_primary_key()
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="polls", db_index=False)
    question = models.CharField(max_length=QUESTION_MAX)
    kind = models.CharField(max_length=10, choices=PollKind.choices, default=PollKind.TEXT)
    multiple = models.BooleanField(default=False, db_default=False)
    ranked = models.BooleanField(default=False, db_default=False)
    results = models.CharField(
        max_length=12, choices=PollResults.choices, default=PollResults.VISIBLE, db_default=PollResults.VISIBLE
    )
    closes_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=PollStatus.choices, default=PollStatus.OPEN, db_default=PollStatus.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    winner = models.ForeignKey(
        "PollOption", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = created_at_field()
    updated_at = updated_at_field()

    class Meta:
        db_table = "polls"
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["club", "created_at"], name="idx_polls_club_created"),
            # The worker's "open polls past closes_at" (books/polls/tasks.py).
            models.Index(fields=["closes_at"], name="idx_polls_open_closes_at", condition=Q(status="open")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PollKind.values), name="polls_kind_check"),
            models.CheckConstraint(condition=Q(results__in=PollResults.values), name="polls_results_check"),
            models.CheckConstraint(condition=Q(status__in=PollStatus.values), name="polls_status_check"),
        ]

    def __str__(self) -> str:
        return self.question


class PollOption(models.Model):
    id = uuid_primary_key()
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options", db_index=False)
    position = models.SmallIntegerField()
    label = models.CharField(max_length=LABEL_MAX)
    book = models.ForeignKey(Book, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    starts_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "poll_options"
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["poll", "position"], name="poll_options_poll_position_key")]

    def __str__(self) -> str:
        return self.label


class Ballot(models.Model):
    id = uuid_primary_key()
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    choices = ArrayField(models.UUIDField())
    created_at = created_at_field()
    updated_at = updated_at_field()

    class Meta:
        db_table = "poll_ballots"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "user"], name="poll_ballots_poll_user_key"),
            models.CheckConstraint(condition=Q(choices__len__gte=1), name="poll_ballots_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.poll_id}"
