"""Request and response shapes of the auth endpoints. Shape only: rules live in `accounts.services`."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import RefreshToken, User, email_format_validator
from core.serializers import CachedFieldsMixin, StrictCharField, StrictEmailField

# Passwords are bounded so that nobody can make the server hash megabytes; the bound is far above
# anything a person or a password manager uses.
PASSWORD_MAX_LENGTH = 1024
TOKEN_MAX_LENGTH = 4096


class UserSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    """A user as the contract shows it to themselves."""

    last_login_at = serializers.DateTimeField(source="last_login", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "email", "name", "phone", "avatar", "role", "is_active", "last_login_at", "created_at"]
        read_only_fields = fields


class RegisterSerializer(serializers.Serializer):
    email = StrictEmailField(max_length=255, validators=[email_format_validator])
    password = StrictCharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, write_only=True)
    name = StrictCharField(max_length=255)
    phone = StrictCharField(max_length=20, required=False, allow_null=True, allow_blank=True)

    def validate_email(self, value: str) -> str:
        return value.strip().lower()


class LoginSerializer(serializers.Serializer):
    # A plain string: a malformed address is simply an unknown account (401), not a hint.
    email = StrictCharField(max_length=255)
    password = StrictCharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, write_only=True)


class RefreshSerializer(serializers.Serializer):
    refresh = StrictCharField(max_length=TOKEN_MAX_LENGTH, trim_whitespace=False)


class PasswordChangeSerializer(serializers.Serializer):
    current_password = StrictCharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, write_only=True)
    new_password = StrictCharField(max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, write_only=True)


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 500,
        "anyOf": [{"format": "uri"}, {"enum": [""]}],
        "description": 'A URL, or `null` / `""` to remove the avatar (both store null).',
    }
)
class ClearableURLField(StrictCharField):
    """A URL that `null` or `""` clears (a cleared form input sends `""`); both are stored as null.

    Checked in `to_internal_value` rather than with a validator, which drf-spectacular would turn
    into `format: uri` for the whole field (and `""` is not a URI)."""

    default_error_messages = {"invalid": "Enter a valid URL."}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value:
            try:
                URLValidator()(value)
            except DjangoValidationError:
                self.fail("invalid")
        return value


class ProfileUpdateSerializer(serializers.Serializer):
    """PATCH /auth/me/: only `name`, `phone` and `avatar` may change; any other key (`email`,
    `role`, …) is rejected with 400 rather than silently ignored."""

    writable = ("name", "phone", "avatar")

    name = StrictCharField(max_length=255, required=False)
    phone = StrictCharField(max_length=20, required=False, allow_null=True, allow_blank=True)
    avatar = ClearableURLField(max_length=500, required=False, allow_null=True, allow_blank=True)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.writable))
            if unknown:
                raise serializers.ValidationError(
                    {
                        key: [serializers.ErrorDetail("This field cannot be changed here.", code="read_only")]
                        for key in unknown
                    }
                )
        return super().to_internal_value(data)

    def validate_phone(self, value):
        return value or None

    def validate_avatar(self, value):
        return value or None


class TokenPairSerializer(serializers.Serializer):
    """201/200 of register and login."""

    user = UserSerializer()
    access = serializers.CharField(help_text="Access token (Bearer), valid for ACCESS_TOKEN_LIFETIME.")
    refresh = serializers.CharField(help_text="Refresh token; single use, rotated by /auth/refresh/.")


class TokenRefreshResponseSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField(help_text="A NEW refresh token; the presented one is now spent.")


class SessionSerializer(serializers.ModelSerializer):
    """One live session (a refresh-token family). `id` is the family id used by DELETE."""

    id = serializers.UUIDField(source="family_id", read_only=True)
    created_at = serializers.DateTimeField(source="session_created_at", read_only=True)

    class Meta:
        model = RefreshToken
        fields = ["id", "created_at", "last_used_at", "user_agent", "ip"]
        read_only_fields = fields


# --- error bodies, for the OpenAPI schema only (the runtime shape comes from the exception handler)


class AuthErrorItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine code, e.g. `token_not_valid`, `throttled`, `required`.")
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True, help_text="The field in error, or null.")


class AuthErrorSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="`validation_error`, `client_error` or `server_error`.")
    errors = AuthErrorItemSerializer(many=True)
