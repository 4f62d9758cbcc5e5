"""`Idempotency-Key` on the API's writes (docs/integrations.md, "Safe retries").

Any POST, PUT, PATCH or DELETE under /api/v1/ by a signed-in caller may carry the header. The
caller is resolved the way the API views resolve it (the same `JWTAuthentication`), before the
view runs, so every write view is covered without any view opting in; a request whose token does
not authenticate passes through untouched and gets its 401 from the view.

The record is claimed before the request runs (`accounts.idempotency.idempotency_claim`: an
INSERT under the unique constraint on user and key, committed at once), so of 8 identical
concurrent requests exactly one runs; the others answer 409 `request_in_progress` with
`Retry-After` while it runs, and the stored answer afterwards.

Kept for replay: every answer below 500 of a request that ran. Not kept (the claim is deleted, so
a retry runs again): 5xx, streamed answers, and 401/429, which mean the request never ran. A key
sent again with another method, path or body answers 422 `idempotency_key_reused`.

This middleware sits between JsonErrorMiddleware and DatabaseRetryMiddleware: the stored body is
the one the client got, and a transparent retry after a lost connection stays inside one claim.
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from rest_framework.exceptions import APIException

from accounts import idempotency
from accounts.authentication import JWTAuthentication
from bookwork.middleware import json_error

logger = logging.getLogger("bookwork.errors")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_PREFIX = "/api/v1/"
# Answers that say the request did not run: replaying them would only repeat a transient refusal.
NOT_KEPT = frozenset({401, 429})
RETRY_AFTER_SECONDS = 1


def valid_key(key: str) -> bool:
    """1 to 255 visible ASCII characters (0x21-0x7E)."""
    return 1 <= len(key) <= 255 and all(33 <= ord(char) <= 126 for char in key)


def _caller_id(request: HttpRequest):
    """The signed-in API caller's id, or None (no, or a bad, bearer token)."""
    try:
        result = JWTAuthentication().authenticate(request)
    except APIException:
        return None
    return result[0].pk if result else None


class IdempotencyMiddleware:
    """Claim, run, store or release (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITE_METHODS or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        user_id = _caller_id(request)
        if user_id is None:
            return self.get_response(request)
        if not valid_key(key):
            return json_error(400, "invalid", "Idempotency-Key must be 1 to 255 visible ASCII characters.", request)
        try:
            body = request.body
        except RequestDataTooBig:  # the view answers it as usual (413)
            return self.get_response(request)
        fingerprint = idempotency.request_fingerprint(method=request.method, path=request.get_full_path(), body=body)
        claim = idempotency.idempotency_claim(user_id=user_id, key=key, fingerprint=fingerprint)
        record = claim.record
        if not claim.mine:
            return self._answer_existing(request, record, fingerprint)
        try:
            response = self.get_response(request)
        except BaseException:
            idempotency.idempotency_release(record=record)
            raise
        if response.status_code >= 500 or response.status_code in NOT_KEPT or response.streaming:
            idempotency.idempotency_release(record=record)
        else:
            idempotency.idempotency_store(
                record=record,
                status_code=response.status_code,
                content_type=response.get("Content-Type", ""),
                body=bytes(response.content),
            )
        return response

    @staticmethod
    def _answer_existing(request: HttpRequest, record, fingerprint: str) -> HttpResponse:
        if record.fingerprint != fingerprint:
            return json_error(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used with a different method, path or body.",
                request,
            )
        if record.status_code is None:
            response = json_error(
                409, "request_in_progress", "A request with this Idempotency-Key is still running.", request
            )
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        response = HttpResponse(bytes(record.body), status=record.status_code, content_type=record.content_type or None)
        response[REPLAYED_HEADER] = "true"
        request_id = getattr(request, "request_id", None)
        if request_id:
            response["X-Request-ID"] = request_id
        return response
