"""Shapes of polls in the API: the poll body (documented here, written by
`books.polls.selectors.polls_represent`), and the bodies of create, vote and close."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from books.polls.models import LABEL_MAX, MAX_OPTIONS, MIN_OPTIONS, QUESTION_MAX, PollKind, PollResults, PollStatus
from core.serializers import StrictCharField, StrictUUIDField


class PollOptionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    label = serializers.CharField()
    book = serializers.UUIDField(allow_null=True, help_text="The book of a book poll's option.")
    starts_at = serializers.DateTimeField(allow_null=True, help_text="The date of a date poll's option.")
    votes = serializers.IntegerField(
        allow_null=True,
        help_text="Ballots naming the option (ranked poll: ranking it first); null while the results are hidden.",
    )


class PollSerializer(serializers.Serializer):
    """A poll. `votes` and `winner` are null while its `results` rule hides them from the caller."""

    id = serializers.UUIDField()
    club = serializers.UUIDField()
    question = serializers.CharField()
    kind = serializers.ChoiceField(choices=PollKind.choices)
    options = PollOptionSerializer(many=True)
    multiple = serializers.BooleanField()
    ranked = serializers.BooleanField()
    results = serializers.ChoiceField(choices=PollResults.choices)
    closes_at = serializers.DateTimeField(allow_null=True)
    status = serializers.ChoiceField(choices=PollStatus.choices)
    created_by = serializers.UUIDField(allow_null=True)
    my_vote = serializers.ListField(
        child=serializers.UUIDField(), allow_null=True, help_text="The caller's ballot (option ids), or null."
    )
    voter_count = serializers.IntegerField()
    winner = serializers.UUIDField(allow_null=True, help_text="The winning option's id once closed (if shown).")
    created_at = serializers.DateTimeField()


class PollOptionWriteSerializer(serializers.Serializer):
    label = StrictCharField(
        required=False, allow_blank=False, max_length=LABEL_MAX, help_text="Required for text polls."
    )
    book = StrictUUIDField(required=False, help_text="Book polls: a book of the club's reading list.")
    starts_at = serializers.DateTimeField(required=False, help_text="Date polls: the proposed date and time.")


class PollCreateSerializer(serializers.Serializer):
    question = StrictCharField(min_length=1, max_length=QUESTION_MAX)
    kind = serializers.ChoiceField(choices=PollKind.choices)
    options = PollOptionWriteSerializer(many=True, min_length=MIN_OPTIONS, max_length=MAX_OPTIONS)
    multiple = serializers.BooleanField(default=False, help_text="Several choices per ballot (ranked: several ranks).")
    ranked = serializers.BooleanField(default=False, help_text="Decided by instant-runoff.")
    results = serializers.ChoiceField(choices=PollResults.choices, default=PollResults.VISIBLE)
    closes_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="In the future; the worker closes it then."
    )

    def validate_question(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("A question is required.", code="blank")
        return value.strip()

    def validate_closes_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("closes_at must be in the future.", code="in_the_past")
        return value

    def validate(self, attrs):
        kind, options = attrs["kind"], attrs["options"]
        field = {PollKind.BOOK: "book", PollKind.DATE: "starts_at", PollKind.TEXT: "label"}[kind]
        if any(option.get(field) in (None, "") for option in options):
            raise serializers.ValidationError(
                {"options": f"Every option of a {kind} poll needs `{field}`."}, code="required"
            )
        keys = [option[field] for option in options]
        if len(set(keys)) != len(keys):
            raise serializers.ValidationError({"options": "Options must differ."}, code="duplicate_option")
        if kind == PollKind.DATE:
            for option in options:
                option.setdefault("label", timezone.localtime(option["starts_at"]).strftime("%Y-%m-%d %H:%M"))
        return attrs


class VoteSerializer(serializers.Serializer):
    options = serializers.ListField(
        child=StrictUUIDField(),
        min_length=1,
        max_length=MAX_OPTIONS,
        help_text="Option ids; for a ranked poll most preferred first. A single-choice poll takes one.",
    )


class CloseSerializer(serializers.Serializer):
    apply = serializers.BooleanField(default=False, help_text="Book polls: start the winning book.")


class PollFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PollStatus.choices, required=False)
