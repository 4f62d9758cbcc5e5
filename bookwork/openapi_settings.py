"""drf-spectacular's settings (SPECTACULAR_SETTINGS in bookwork/settings.py), apart because they
read no environment: the schema's title and assets, and the names of its enums. Without a name
here, two choice sets of the same field name (several `status` enums) would get hashed names.
Import strings only: settings import this module before the apps are loaded."""

OPENAPI_SETTINGS = {
    "TITLE": "Bookwork API",
    "DESCRIPTION": "Book clubs, their members, events, RSVPs and event items.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's assets come from our own static files (drf-spectacular-sidecar), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "SiteRoleEnum": "accounts.models.Role",
        "ClubRoleEnum": "clubs.models.ClubRole",
        "EventTypeEnum": "events.models.EventType",
        "EventStatusEnum": "events.models.EventStatus",
        "RsvpStatusEnum": "events.availability.models.RsvpStatus",
        "ItemCategoryEnum": "events.items.models.ItemCategory",
        "ItemStatusEnum": "events.items.models.ItemStatus",
        "NotificationKindEnum": "notifications.kinds.KIND_CHOICES",
        "WebhookEventTypeEnum": "webhooks.types.WebhookEventType",
        "WebhookSubscribableEnum": "webhooks.types.SUBSCRIBABLE",
        # The error serializers of drf-standardized-errors (their `type` and `code` choice sets).
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "core.openapi.ERROR_CODE_401_CHOICES",  # the library's codes + token_not_valid
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
        # Books and polls: their several `status` and `kind` choice sets.
        "BookStatusEnum": "books.models.BookStatus",
        "BookSettableStatusEnum": "books.models.BOOK_SETTABLE_STATUSES",
        "ReadingStatusEnum": "books.models.ReadingStatus",
        "PollKindEnum": "books.polls.models.PollKind",
        "PollResultsEnum": "books.polls.models.PollResults",
        "PollStatusEnum": "books.polls.models.PollStatus",
    },
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums"],
}
