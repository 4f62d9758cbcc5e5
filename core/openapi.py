"""Project-wide OpenAPI generation: every operation documents the errors it can answer.

`AutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) is drf-standardized-errors' schema class,
which adds the error responses an operation can produce (400 parse/validation, 401, 403, 404,
405, 406, 415, 429, 500) unless the view documents that status itself with `extend_schema`.
On top of it, errors that no single view knows about are merged into what the views document:

- an operation that takes a JSON body answers a malformed body with 400 `client_error` /
  `parse_error` (`attr: null`), whatever 400 the view documents for its validation errors;
- every authenticated operation answers an invalid, expired or revoked access token with 401
  `token_not_valid` (our `ErrorResponse401Serializer` lists it next to the library's codes);
- a paginated list answers a page past the end with 404 and a malformed `page_size` with 400
  (`core.pagination.PageNumberPagination`);
- a time of day in a response is documented by a pattern (`19:30:00`), not `format: time`;
- a string filter of a `StrictFilterSet` (`core.filters`) has `minLength: 1` (`?search=` is a 400);
- every write under /api/v1/ of a signed-in caller takes the `Idempotency-Key` header and may
  answer 400 `invalid`, 409 `request_in_progress` and 422 `idempotency_key_reused`
  (bookwork/idempotency.py).
"""

from __future__ import annotations

from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.plumbing import get_manager, get_view_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema
from drf_standardized_errors.openapi_serializers import (
    ClientErrorEnum,
    ErrorCode401Enum,
    ParseErrorResponseSerializer,
)
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.permissions import AllowAny

from core.exceptions import exception_handler as bookwork_exception_handler
from core.filters import StrictFilterSet

# simplejwt's code for a forged, expired or revoked access token (accounts.authentication).
ERROR_CODE_401_CHOICES = [*ErrorCode401Enum.choices, ("token_not_valid", "Token Not Valid")]


class Error401Serializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=ERROR_CODE_401_CHOICES)
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ErrorResponse401Serializer(serializers.Serializer):
    """401 body: not signed in, wrong credentials, or an invalid/expired/revoked token."""

    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = Error401Serializer(many=True)


class IdempotencyErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["invalid", "request_in_progress", "idempotency_key_reused"])
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class IdempotencyErrorResponseSerializer(serializers.Serializer):
    """400 `invalid` (a malformed key), 409 `request_in_progress`, 422 `idempotency_key_reused`."""

    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = IdempotencyErrorSerializer(many=True)


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    pattern=r"^[!-~]{1,255}$",
    description=(
        "Makes a retry safe (docs/integrations.md): the first answer below 500 is replayed for 24 hours "
        "(`Idempotent-Replayed: true`); another method, path or body with the key is 422 "
        "`idempotency_key_reused`; while the first runs, 409 `request_in_progress`."
    ),
)
_BODY_METHODS = ("POST", "PUT", "PATCH")
_WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"


class AutoSchema(StandardizedErrorsAutoSchema):
    """drf-standardized-errors' AutoSchema for our exception handler, merged with the views' errors."""

    def _should_add_error_response(self, responses: dict, status_code: str) -> bool:
        # The library adds nothing unless the view uses its handler; ours wraps it (same bodies).
        if status_code in responses or self.view.get_exception_handler() is not bookwork_exception_handler:
            return False
        if status_code == "400":
            return self._should_add_parse_error_response() or self._should_add_validation_error_response()
        check = getattr(self, f"_should_add_http{status_code}_error_response", None)
        return check() if check is not None else True

    def _takes_idempotency_key(self) -> bool:
        """Writes under /api/v1/ by signed-in callers (bookwork/idempotency.py)."""
        return (
            self.method in _WRITE_METHODS
            and self.path.startswith("/api/v1/")
            and not any(permission is AllowAny for permission in self.view.permission_classes)
        )

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        return [*parameters, IDEMPOTENCY_KEY] if self._takes_idempotency_key() else parameters

    def _idempotency_responses(self, responses: dict) -> dict:
        error = self.resolve_serializer(IdempotencyErrorResponseSerializer, "response").ref
        for code, description in (
            ("400", "A malformed Idempotency-Key."),
            ("409", "A request with this Idempotency-Key is still running (`Retry-After`)."),
            ("422", "This Idempotency-Key was used with another method, path or body."),
        ):
            if code not in responses:
                responses[code] = {"content": {"application/json": {"schema": error}}, "description": description}
                continue
            for media in responses[code].get("content", {}).values():
                schema = media.get("schema")
                if schema is None or schema == error or error in schema.get("anyOf", []):
                    continue
                media["schema"] = (
                    {"anyOf": [*schema["anyOf"], error]} if "anyOf" in schema else {"anyOf": [schema, error]}
                )
        return responses

    def _takes_body(self) -> bool:
        return self.method in _BODY_METHODS and self.get_request_serializer() is not None

    def _should_add_parse_error_response(self) -> bool:
        # Only a view that reads a body can fail to parse one.
        return self._takes_body() and super()._should_add_parse_error_response()

    def _is_paginated(self) -> bool:
        return isinstance(self._get_paginator(), BasePagination) and self._is_list_view()

    def _should_add_validation_error_response(self) -> bool:
        # A malformed `page_size` is a 400 validation error on every paginated list.
        return self._is_paginated() or super()._should_add_validation_error_response()

    def _should_add_http404_error_response(self) -> bool:
        # An unknown, malformed or hidden path id, or a page past the end of a list. (The library
        # also counts any view with a paginator, which would put a 404 on `POST /clubs/`.)
        has_path_ids = any(parameter["in"] == "path" for parameter in self._get_parameters())
        return has_path_ids or self._is_paginated()

    def _should_add_http415_error_response(self) -> bool:
        # Only a body has a media type to reject.
        return self._takes_body() and super()._should_add_http415_error_response()

    def _get_validation_error_codes_by_field(self, data_fields):
        codes = super()._get_validation_error_codes_by_field(data_fields)
        if self._is_paginated():
            codes["page_size"].add("invalid")
        return codes

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "response" and isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            # We answer "19:30:00" (no offset); JSON Schema's `time` format (RFC 3339) demands one.
            del schema["format"]
            schema["pattern"] = TIME_PATTERN
        return schema

    def _get_error_response_serializer(self, status_code: str):
        if status_code == "401":
            return ErrorResponse401Serializer
        return super()._get_error_response_serializer(status_code)

    def _get_response_bodies(self, direction="response"):
        responses = self._with_parse_errors(super()._get_response_bodies(direction=direction), direction)
        if direction == "response" and self._takes_idempotency_key():
            responses = self._idempotency_responses(responses)
        return responses

    def _with_parse_errors(self, responses: dict, direction: str) -> dict:
        if direction != "response" or "400" not in responses or not self._should_add_parse_error_response():
            return responses
        parse_error = self.resolve_serializer(ParseErrorResponseSerializer, "response").ref
        for media in responses["400"].get("content", {}).values():
            schema = media.get("schema")
            if schema is None or schema == parse_error or parse_error in schema.get("anyOf", []):
                continue
            if "oneOf" in schema and parse_error in schema["oneOf"]:
                continue
            # anyOf, not oneOf: a view's own 400 body may be loose enough to match a parse error too.
            media["schema"] = {"anyOf": [schema, parse_error]}
        return responses


class StrictFilterSetExtension(DjangoFilterExtension):
    """django-filter parameters as drf-spectacular documents them, plus `minLength: 1` on the string
    parameters of a `StrictFilterSet`, which answers an empty value with 400."""

    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        parameters = super().get_schema_operation_parameters(auto_schema, *args, **kwargs)
        model = get_view_model(auto_schema.view)
        filterset_class = model and self.target.get_filterset_class(auto_schema.view, get_manager(model).none())
        if filterset_class and issubclass(filterset_class, StrictFilterSet):
            for parameter in parameters:
                if parameter["schema"].get("type") == "string":
                    parameter["schema"]["minLength"] = 1
        return parameters
