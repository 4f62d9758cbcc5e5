"""Bodies of join requests and invites. Input serializers validate; output serializers render."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import User, UserManager
from clubs.joining.invites import DEFAULT_EXPIRY_HOURS, MAX_EXPIRY_HOURS, MAX_USES
from clubs.joining.models import MESSAGE_MAX_LENGTH, Invite, JoinRequest, JoinRequestStatus
from clubs.joining.notify import invite_url
from clubs.models import ClubRole
from core.serializers import StrictCharField, StrictEmailField, StrictUUIDField


class JoinBodySerializer(serializers.Serializer):
    message = StrictCharField(
        required=False, allow_blank=True, max_length=MESSAGE_MAX_LENGTH, help_text="For an `approval` club."
    )


class PublicUserSerializer(serializers.Serializer):
    """A user as anyone may see them: never their email or phone."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    avatar = serializers.CharField(allow_null=True)


class JoinRequestSerializer(serializers.ModelSerializer):
    user = PublicUserSerializer()
    status = serializers.ChoiceField(choices=JoinRequestStatus.choices)

    class Meta:
        model = JoinRequest
        fields = ["id", "club", "user", "message", "status", "created_at", "decided_at", "decided_by"]
        read_only_fields = fields


class InviteSerializer(serializers.ModelSerializer):
    """An invite as the club's moderators and admins see it. `email` is the address the inviter
    typed (null for links and invites by user id); `user` the invited user's id (invites by id);
    neither ever shows another address or phone."""

    url = serializers.SerializerMethodField()
    role = serializers.ChoiceField(choices=ClubRole.choices)

    class Meta:
        model = Invite
        fields = [
            "id",
            "club",
            "code",
            "url",
            "email",
            "user",
            "role",
            "max_uses",
            "uses",
            "expires_at",
            "created_by",
            "created_at",
            "revoked",
        ]
        read_only_fields = fields

    def get_url(self, invite: Invite) -> str:
        return invite_url(invite.code)


class InviteCreateSerializer(serializers.Serializer):
    email = StrictEmailField(required=False, max_length=255, help_text="Personal invite for this account alone.")
    role = serializers.ChoiceField(choices=ClubRole.choices, default=ClubRole.MEMBER)
    max_uses = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_USES, help_text="Default 1 with `email`, else 10."
    )
    expires_in_hours = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_EXPIRY_HOURS, help_text=f"Default {DEFAULT_EXPIRY_HOURS}."
    )


class MemberInviteSerializer(serializers.Serializer):
    """`POST /clubs/{id}/members/`: exactly one of `user_id` and `email`, and a `role`. A user id
    must name an active user (400); an email need not have an account (the invite goes by email;
    for a site admin's direct add it must, 400). `user` is the active user named, or None."""

    user_id = StrictUUIDField(required=False)
    email = StrictEmailField(required=False, max_length=255)
    role = serializers.ChoiceField(choices=ClubRole.choices, default=ClubRole.MEMBER)

    def validate(self, attrs):
        if ("user_id" in attrs) == ("email" in attrs):
            # Reported on `user_id` (the usual way), so that `attr` names a field.
            raise serializers.ValidationError(
                {"user_id": "Give exactly one of user_id and email."}, code="user_id_or_email"
            )
        users = User.objects.filter(is_active=True)
        if "user_id" in attrs:
            attrs["user"] = users.filter(pk=attrs["user_id"]).first()
            if attrs["user"] is None:
                raise serializers.ValidationError({"user_id": "No active user with this id."}, code="does_not_exist")
        else:
            attrs["email"] = UserManager.normalize_email_address(attrs["email"])
            attrs["user"] = users.filter(email=attrs["email"]).first()
        return attrs


class PreviewClubSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    is_public = serializers.BooleanField()
    member_count = serializers.IntegerField()
    max_members = serializers.IntegerField(allow_null=True)


class InvitedBySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class InvitePreviewSerializer(serializers.Serializer):
    club = PreviewClubSerializer()
    role = serializers.ChoiceField(choices=ClubRole.choices)
    expires_at = serializers.DateTimeField()
    invited_by = InvitedBySerializer(allow_null=True)
