"""Bearer-token authentication: SimpleJWT verifies the access token, and we also require the
token's `ver` claim to equal the user's `token_version`, so logout-all, a password change or
deactivation kills every outstanding access token at once. The user row that SimpleJWT loads
anyway carries the version, so this costs no extra query."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from bookwork.request_context import user_id_var

TOKEN_VERSION_CLAIM = "ver"


class JWTAuthentication(authentication.JWTAuthentication):
    """SimpleJWT's Bearer authentication with the `ver` check. SimpleJWT's errors carry a dict
    (`detail`, `code`, `messages`) that would render as several errors; they are re-raised as one
    plain error with the same code, in the contract's shape."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed as error:
            detail = error.detail
            if isinstance(detail, dict):
                code = str(detail.get("code", error.default_code))
                message = str(detail.get("detail", error.default_detail))
                if code == "token_not_valid":
                    message = "Token is invalid, expired or revoked."
                raise exceptions.AuthenticationFailed(message, code=code) from None
            raise

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if validated_token.get(TOKEN_VERSION_CLAIM) != user.token_version:
            raise AuthenticationFailed(_("Token has been revoked."), code="token_not_valid")
        user_id_var.set(str(user.pk))
        return user


class PublicEndpointAuthentication:
    """For register, login and refresh: authenticates nobody (a stale `Authorization` header must
    not break signing in) yet names the Bearer scheme, so DRF answers failed sign-ins with 401
    and a `WWW-Authenticate` header instead of turning them into 403."""

    def authenticate(self, request):
        return None

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
