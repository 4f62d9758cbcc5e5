"""Idempotency keys: the records behind `Idempotency-Key` (the request side is
bookwork/idempotency.py; docs/integrations.md).

`idempotency_claim` inserts the record BEFORE the request runs; the unique constraint on (user,
key) decides which of two concurrent requests runs, never a check-then-insert. The others read
the winner's row: a stored answer to replay, a different request (422), or one still running (409).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import IdempotencyRecord

# How long a claim without an answer blocks its key: longer than any request may run (gunicorn's
# timeout); after that the claim is taken to belong to a request that died with its process.
STALE_CLAIM = timedelta(minutes=2)


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    """SHA-256 over the method, the path (with its query string) and a hash of the body."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), hashlib.sha256(body).digest()):
        digest.update(len(part).to_bytes(4, "big") + part)
    return digest.hexdigest()


@dataclass(frozen=True)
class Claim:
    """What `idempotency_claim` found: `record` is ours to run (`mine`), or someone else's."""

    record: IdempotencyRecord
    mine: bool


def idempotency_claim(*, user_id, key: str, fingerprint: str, now: datetime | None = None) -> Claim:
    """Insert (user, key) for a request about to run, in its own committed transaction. When the
    key exists: an expired record (older than IDEMPOTENCY_RETENTION) or a stale claim is replaced
    and the request runs; otherwise the existing record is returned (`mine=False`)."""
    now = now or timezone.now()
    for _ in range(3):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user_id=user_id, key=key, fingerprint=fingerprint, created_at=now
                )
            return Claim(record=record, mine=True)
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(user_id=user_id, key=key).first()
        if existing is None:
            continue  # removed meanwhile (a 5xx answer or the cleanup): try the insert again
        expired = existing.created_at < now - settings.IDEMPOTENCY_RETENTION
        stale = existing.status_code is None and existing.created_at < now - STALE_CLAIM
        if not (expired or stale):
            return Claim(record=existing, mine=False)
        # Delete exactly the row we judged (its id and state), so two takers cannot both win.
        IdempotencyRecord.objects.filter(pk=existing.pk, status_code=existing.status_code).delete()
    raise RuntimeError("could not claim the idempotency key")  # pragma: no cover - three lost races


def idempotency_store(*, record: IdempotencyRecord, status_code: int, content_type: str, body: bytes) -> None:
    """Keep the answer of the request that owns `record`, for replay."""
    IdempotencyRecord.objects.filter(pk=record.pk).update(status_code=status_code, content_type=content_type, body=body)


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Forget the claim (a 5xx or an answer that must not be replayed): a retry runs again."""
    IdempotencyRecord.objects.filter(pk=record.pk).delete()


def idempotency_cleanup(*, now: datetime | None = None) -> int:
    """Delete the records older than IDEMPOTENCY_RETENTION; returns how many."""
    cutoff = (now or timezone.now()) - settings.IDEMPOTENCY_RETENTION
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
