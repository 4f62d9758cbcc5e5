"""Signed tokens: SimpleJWT signs and verifies both kinds; our `refresh_tokens` table owns the
refresh-token lifecycle (see `accounts.services`).

Access tokens carry the user's `token_version` as the `ver` claim. Refresh tokens are SimpleJWT
`RefreshToken`s with a `jti`; only their SHA-256 hash (`refresh_token_hash`) is ever stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.tokens import RefreshToken as SignedRefreshToken

from accounts.authentication import TOKEN_VERSION_CLAIM


def access_token_for(user) -> str:
    """A signed access token for `user`, valid until ACCESS_TOKEN_LIFETIME or the next revocation."""
    token = AccessToken.for_user(user)
    token[TOKEN_VERSION_CLAIM] = user.token_version
    return str(token)


def refresh_token_hash(raw: str) -> str:
    """SHA-256 hex digest of a raw refresh token: the only form in which it is stored.

    A plain fast hash is right here (unlike passwords): the token has 256+ bits of signed,
    random content, so it cannot be guessed, and refresh must stay cheap (pitfall 15).
    """
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedRefreshToken:
    raw: str
    jti: str
    token_hash: str


def refresh_token_sign(*, user, issued_at: datetime, expires_at: datetime) -> IssuedRefreshToken:
    """Sign a new refresh token for `user` that expires at `expires_at` (never stored raw)."""
    token = SignedRefreshToken()
    token.set_iat(at_time=issued_at)
    token.payload["exp"] = int(expires_at.timestamp())
    token[api_settings.USER_ID_CLAIM] = str(user.pk)
    raw = str(token)
    return IssuedRefreshToken(raw=raw, jti=token[api_settings.JTI_CLAIM], token_hash=refresh_token_hash(raw))


def refresh_token_verify(raw: str) -> SignedRefreshToken:
    """Verify signature, expiry and type (`refresh`) of a presented token.

    Raises `TokenError` for anything else: forged, expired, an access token, garbage.
    """
    if not isinstance(raw, str) or not raw or len(raw) > 4096:
        raise TokenError("Token is invalid")
    return SignedRefreshToken(raw)
