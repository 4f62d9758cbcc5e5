"""Bearer-token authentication: SimpleJWT verifies the access token, and we also require the
token's `ver` claim to equal the user's `token_version`, so logout-all, a password change or
deactivation kills every outstanding access token at once. The user row that SimpleJWT loads
anyway carries the version, so this costs no extra query."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from bookwork.request_context import user_id_var

TOKEN_VERSION_CLAIM = "ver"


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if validated_token.get(TOKEN_VERSION_CLAIM) != user.token_version:
            raise AuthenticationFailed(_("Token has been revoked."), code="token_not_valid")
        user_id_var.set(str(user.pk))
        return user
