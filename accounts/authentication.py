"""Bearer-token authentication: SimpleJWT verifies the access token, and we also require the
token's `ver` claim to equal the user's `token_version`, so logout-all, a password change or
deactivation kills every outstanding access token at once. The user row that authentication
loads anyway carries the version, so this costs no extra query.

A token whose signature and claims were verified once is kept (per process, bounded) by its exact
text, so the next request with it skips the JWT decoding (a third of the Python work of a small
authenticated request); only its expiry, the one check that depends on the time, is re-checked
(an expired or otherwise failing token takes SimpleJWT's path again, with its errors). Revocation
does not depend on this: the `ver` check against the user row runs on every request."""

from __future__ import annotations

import uuid

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt import settings as simplejwt_settings
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.utils import aware_utcnow

from accounts.usercache import user_for_request
from core.request_context import user_id_var
from core.revalidation import authenticated_here

TOKEN_VERSION_CLAIM = "ver"

# Verified access tokens by their text (see the module docstring); emptied when full, and when the
# signing settings change (tests).
_verified: dict[bytes, object] = {}
VERIFIED_TOKENS_MAX = 4096


@receiver(setting_changed)
def _forget_verified_tokens(*, setting, **kwargs):
    if setting in {"SIMPLE_JWT", "SECRET_KEY"}:
        _verified.clear()


class JWTAuthentication(authentication.JWTAuthentication):
    """SimpleJWT's Bearer authentication with the `ver` check. SimpleJWT's errors carry a dict
    (`detail`, `code`, `messages`) that would render as several errors; they are re-raised as one
    plain error with the same code, in the contract's shape."""

    def authenticate(self, request):
        # Authenticated already by the revalidation before the view (core/revalidation.py): the
        # same user, and the request counted once.
        if (done := authenticated_here(getattr(request, "_request", request))) is not None:
            return done
        self.request = request  # for the user's read (accounts.usercache); one instance per request
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

    def get_validated_token(self, raw_token):
        token = _verified.get(raw_token)
        if token is not None:
            try:
                token.check_exp(current_time=aware_utcnow())
                return token
            except TokenError:
                _verified.pop(raw_token, None)
        token = super().get_validated_token(raw_token)
        if len(_verified) >= VERIFIED_TOKENS_MAX:
            _verified.clear()
        _verified[raw_token] = token
        return token

    def get_user(self, validated_token):
        # SimpleJWT's own `get_user`, with the user read by `accounts.usercache` (the shared cache,
        # else `user_get_by_id`) instead of the ORM's `get` (the cost of every authenticated
        # request); same errors and codes. The shortcut
        # knows only our settings (users looked up by `id`, no password-hash claim); any other
        # SimpleJWT configuration takes SimpleJWT's own path.
        # Read through the module: SimpleJWT replaces `api_settings` when SIMPLE_JWT changes.
        api_settings = simplejwt_settings.api_settings
        if api_settings.USER_ID_FIELD != "id" or api_settings.CHECK_REVOKE_TOKEN:
            return self._checked(super().get_user(validated_token), validated_token)
        try:
            user_id = uuid.UUID(str(validated_token[api_settings.USER_ID_CLAIM]))
        except KeyError:
            raise InvalidToken(_("Token contained no recognizable user identification")) from None
        except ValueError:
            user_id = None
        user = user_for_request(user_id, getattr(self, "request", None)) if user_id is not None else None
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        return self._checked(user, validated_token)

    @staticmethod
    def _checked(user, validated_token):
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
