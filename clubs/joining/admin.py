"""Join requests and invites in the Django admin. Staff see them all and act through the same
services as the API (so the same rules hold: capacity under the club lock, who may grant which
role): approve or decline pending requests, create invites, revoke them. Nothing is edited by
hand: a request's status and an invite's uses only change through those services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404
from rest_framework.exceptions import APIException

from clubs.joining import invites, services
from clubs.joining.invites import DEFAULT_EXPIRY_HOURS, MAX_EXPIRY_HOURS, MAX_USES
from clubs.joining.models import Invite, JoinRequest, JoinRequestStatus
from clubs.models import ClubRole

REFUSALS = (APIException, ValidationError, Http404)


def _refusal(error: Exception) -> str:
    if isinstance(error, APIException):
        return str(error.detail)
    if isinstance(error, Http404):
        return "It is gone."
    return "; ".join(error.messages)


def _each(modeladmin, request, queryset, act, done: str) -> None:
    """Run `act(item)` for each selected item, counting successes and reporting every refusal."""
    count = 0
    for item in queryset:
        try:
            act(item)
        except REFUSALS as error:
            modeladmin.message_user(request, f"{item}: {_refusal(error)}", level=messages.ERROR)
        else:
            count += 1
    if count:
        modeladmin.message_user(request, f"{count} {done}.", level=messages.SUCCESS)


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ("user", "club", "status", "created_at", "decided_at", "decided_by")
    list_filter = ("status", "created_at")
    search_fields = ("user__email", "user__name", "club__name")
    list_select_related = ("user", "club", "decided_by")
    raw_id_fields = ("user", "club", "decided_by")
    readonly_fields = ("id", "club", "user", "message", "status", "created_at", "decided_at", "decided_by")
    ordering = ("-created_at", "id")
    actions = ("approve", "decline")

    def has_add_permission(self, request):
        return False  # a request is the user's own act

    @admin.action(description="Approve the selected pending requests")
    def approve(self, request, queryset):
        _each(
            self,
            request,
            queryset.filter(status=JoinRequestStatus.PENDING),
            lambda jr: services.join_request_approve(actor=request.user, club_id=jr.club_id, request_id=jr.pk),
            "requests approved",
        )

    @admin.action(description="Decline the selected pending requests")
    def decline(self, request, queryset):
        _each(
            self,
            request,
            queryset.filter(status=JoinRequestStatus.PENDING),
            lambda jr: services.join_request_decline(actor=request.user, club_id=jr.club_id, request_id=jr.pk),
            "requests declined",
        )


class InviteAddForm(forms.ModelForm):
    """What staff choose when they create an invite; the service makes the code and expiry."""

    expires_in_hours = forms.IntegerField(min_value=1, max_value=MAX_EXPIRY_HOURS, initial=DEFAULT_EXPIRY_HOURS)
    max_uses = forms.IntegerField(
        min_value=1, max_value=MAX_USES, required=False, help_text="Default 1 with an email, else 10."
    )

    class Meta:
        model = Invite
        fields = ("club", "email", "role", "max_uses")

    request = None  # set by InviteAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        club, role = cleaned.get("club"), cleaned.get("role")
        if club is not None and role and self.request is not None:
            try:
                invites.invite_create_check(actor=self.request.user, club=club, role=role)
            except REFUSALS as error:
                raise ValidationError(_refusal(error)) from None
        if cleaned.get("email") and cleaned.get("max_uses") not in (None, 1):
            self.add_error("max_uses", "An invite for one email is used once.")
        return cleaned


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ("club", "role", "email", "uses", "max_uses", "expires_at", "revoked", "created_by")
    list_filter = ("revoked", "role", "created_at")
    search_fields = ("club__name", "email", "code")
    list_select_related = ("club", "created_by")
    raw_id_fields = ("club", "user", "created_by")
    ordering = ("-created_at", "id")
    actions = ("revoke",)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = type("InviteAddForm", (InviteAddForm,), {"request": request})
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("club", "email", "role", "max_uses", "expires_in_hours")
        return (
            "id", "club", "code", "email", "user", "role", "max_uses", "uses", "expires_at", "revoked",
            "created_by", "created_at", "emailed_at",
        )  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.get_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing is edited by hand (every field is read-only)
        data = form.cleaned_data
        try:
            created = invites.invite_create(
                actor=request.user,
                club_id=data["club"].pk,
                email=data.get("email") or None,
                role=data.get("role") or ClubRole.MEMBER,
                max_uses=data.get("max_uses"),
                expires_in_hours=data["expires_in_hours"],
            )
        except REFUSALS as error:  # lost a race since the form's check (e.g. the club went away)
            self.message_user(request, _refusal(error), level=messages.ERROR)
            return
        obj.pk = created.pk
        obj._state.adding = False

    @admin.action(description="Revoke the selected invites")
    def revoke(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda invite: invites.invite_revoke(actor=request.user, club_id=invite.club_id, invite_id=invite.pk),
            "invites revoked",
        )
