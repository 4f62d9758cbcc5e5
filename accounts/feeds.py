"""The private calendar feed address of each user (`/calendar/<token>.ics`, docs/integrations.md).

The token is `base64url(HMAC-SHA256(SECRET_KEY, "calendar-feed:" + nonce))` (43 characters, 256
bits), where `nonce` is 256 random bits drawn at creation and at each rotation. The database keeps
the nonce and `token_hash = SHA-256(token)`: the feed looks its row up by the hash, and the
address can be shown again (GET `/auth/me/calendar-feed/`) without ever being stored. Rotating
(on request, and on every password change or reset) draws a new nonce: the old address answers
404 at once. Changing SECRET_KEY changes every address: the old ones answer 404, and the next
read of a user's address (`calendar_feed_token`) stores the hash of the new one, so the address
shown always works.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import CalendarFeed, User


def _token(nonce: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"calendar-feed:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def feed_token_hash(token: str) -> str:
    """The SHA-256 (hex) under which the feed row of `token` is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def _fresh() -> tuple[str, str]:
    nonce = secrets.token_hex(32)
    return nonce, feed_token_hash(_token(nonce))


@transaction.atomic
def calendar_feed_token(*, user: User) -> str:
    """The user's current feed token, creating the feed on first use."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        nonce, token_hash = _fresh()
        feed, _ = CalendarFeed.objects.get_or_create(user=user, defaults={"nonce": nonce, "token_hash": token_hash})
    token = _token(feed.nonce)
    if feed.token_hash != feed_token_hash(token):
        # SECRET_KEY changed since the hash was stored: the stored address is dead; this nonce's
        # address under the current key becomes the feed's (else the address shown would be a 404).
        CalendarFeed.objects.filter(pk=feed.pk).update(token_hash=feed_token_hash(token))
    return token


@transaction.atomic
def calendar_feed_rotate(*, user: User) -> str:
    """Replace the user's feed token (the old one is dead when this commits); returns the new one."""
    nonce, token_hash = _fresh()
    CalendarFeed.objects.update_or_create(
        user=user, defaults={"nonce": nonce, "token_hash": token_hash, "rotated_at": timezone.now()}
    )
    return _token(nonce)
