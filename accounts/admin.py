"""Django admin for users (email sign-in) and refresh tokens (hash shortened, never the token)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.utils import timezone
from django.utils.translation import ngettext

from accounts import staff
from accounts.models import RefreshToken, User


class UserAddForm(BaseUserCreationForm):
    """Add form: email, name and the password twice (validated by AUTH_PASSWORD_VALIDATORS)."""

    class Meta:
        model = User
        fields = ("email", "name")
        field_classes: dict = {}


class UserEditForm(UserChangeForm):
    """Change form: the password is shown as its hash summary with Django's "change password" link."""

    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict = {}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserAddForm
    form = UserEditForm
    ordering = ("email",)
    list_display = ("email", "name", "role", "is_active", "is_staff", "last_login", "created_at")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("email", "name")
    readonly_fields = ("last_login", "created_at", "updated_at", "token_version")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "phone", "avatar", "role")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "created_at", "updated_at", "token_version")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),)
    filter_horizontal = ("groups", "user_permissions")
    actions = ["deactivate_and_sign_out"]

    @admin.action(description="Deactivate and sign out everywhere", permissions=["change"])
    def deactivate_and_sign_out(self, request, queryset):
        users = list(queryset.filter(is_active=True))
        for user in users:
            staff.user_deactivate(user=user)
        self.message_user(
            request,
            ngettext("%d user deactivated and signed out.", "%d users deactivated and signed out.", len(users))
            % len(users),
            messages.SUCCESS,
        )


class TokenStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("used", "Used"), ("revoked", "Revoked"), ("expired", "Expired")]

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case "live":
                return queryset.filter(
                    is_revoked=False, used_at__isnull=True, expires_at__gt=now, family_expires_at__gt=now
                )
            case "used":
                return queryset.filter(is_revoked=False, used_at__isnull=False)
            case "revoked":
                return queryset.filter(is_revoked=True)
            case "expired":
                return queryset.filter(is_revoked=False, used_at__isnull=True, expires_at__lte=now)
        return queryset


@admin.register(RefreshToken)
class RefreshTokenAdmin(admin.ModelAdmin):
    """Read-only view of sessions. Only a 12-character prefix of the SHA-256 hash is shown; the raw
    token was never stored, so it cannot be shown."""

    list_display = (
        "short_hash",
        "user",
        "family_id",
        "state",
        "created_at",
        "last_used_at",
        "expires_at",
        "family_expires_at",
        "used_at",
        "revoked_at",
        "revoked_reason",
        "ip",
    )
    list_select_related = ("user",)
    list_filter = (TokenStateFilter, "revoked_reason")
    search_fields = ("user__email",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "id")
    fields = (
        "short_hash",
        "user",
        "family_id",
        "parent",
        "state",
        "created_at",
        "last_used_at",
        "expires_at",
        "family_expires_at",
        "used_at",
        "revoked_at",
        "revoked_reason",
        "user_agent",
        "ip",
    )
    readonly_fields = fields
    actions = ["revoke"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "parent")

    @admin.display(description="hash")
    def short_hash(self, obj: RefreshToken) -> str:
        return obj.token_hash[:12]

    @admin.display(description="state")
    def state(self, obj: RefreshToken) -> str:
        if obj.is_revoked:
            return "revoked"
        if obj.used_at is not None:
            return "used"
        now = timezone.now()
        if obj.expires_at <= now or obj.family_expires_at <= now:
            return "expired"
        return "live"

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke (sign out the selected tokens' sessions)", permissions=["change"])
    def revoke(self, request, queryset):
        count = staff.refresh_tokens_revoke(tokens=queryset)
        self.message_user(request, f"{count} token(s) revoked.", messages.SUCCESS)


from accounts import feed_admin  # noqa: E402, F401 - registers the feed and idempotency pages
