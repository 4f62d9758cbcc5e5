"""Names of the OpenAPI enums of books and polls (merged into drf-spectacular's
ENUM_NAME_OVERRIDES by bookwork/settings.py): without them, the several `status` and `kind`
choice sets of the API would get hashed names. Import strings only: settings import this module
before the apps are loaded."""

ENUM_NAME_OVERRIDES = {
    "BookStatusEnum": "books.models.BookStatus",
    "BookSettableStatusEnum": "books.models.BOOK_SETTABLE_STATUSES",
    "ReadingStatusEnum": "books.models.ReadingStatus",
    "PollKindEnum": "books.polls.models.PollKind",
    "PollResultsEnum": "books.polls.models.PollResults",
    "PollStatusEnum": "books.polls.models.PollStatus",
}
