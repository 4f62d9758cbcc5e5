"""Access tokens: SimpleJWT-signed, carrying the user's `token_version` as the `ver` claim."""

from __future__ import annotations

from rest_framework_simplejwt.tokens import AccessToken

from accounts.authentication import TOKEN_VERSION_CLAIM


def access_token_for(user) -> str:
    """A signed access token for `user`, valid until ACCESS_TOKEN_LIFETIME or the next revocation."""
    token = AccessToken.for_user(user)
    token[TOKEN_VERSION_CLAIM] = user.token_version
    return str(token)
