"""Django admin for clubs and memberships.

Staff edit members inline on the club page or on the membership list. The rules of the API hold
here too: `max_members` caps active members (checked under a lock on the club row, taken while
the forms are validated inside the admin's transaction and held until it commits, so a
concurrent API join cannot slip past); the owner stays an active club admin; deactivating or
deleting a membership releases the member's seats in upcoming events.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q

from clubs import services
from clubs.models import Club, ClubMember, ClubRole
from clubs.validators import join_policy_resolve, normalize_reminder_hours, normalize_tags, validate_timezone


def _locked_club(club: Club) -> Club | None:
    """Lock the stored club row (None for a club being added). The admin views run in a transaction."""
    if club.pk is None or club._state.adding:
        return None
    return services.club_lock(club_id=club.pk)


class ClubAdminForm(forms.ModelForm):
    class Meta:
        model = Club
        fields = ("owner", *services.CLUB_EDITABLE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "join_policy" in self.fields:
            # Left out, it follows the visibility as in the API (public: open; private: invite).
            self.fields["join_policy"].required = False

    def clean(self):
        cleaned = super().clean()
        if "is_public" in cleaned:
            stored = self.instance if self.instance.pk is not None and not self.instance._state.adding else None
            try:
                cleaned["join_policy"] = join_policy_resolve(
                    is_public=cleaned["is_public"],
                    requested=cleaned.get("join_policy") or None,
                    current=stored.join_policy if stored is not None and stored.is_public else None,
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned

    def clean_name(self):
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise ValidationError("A name is required.", code="blank")
        return name

    def clean_tags(self):
        return normalize_tags(self.cleaned_data.get("tags") or [])

    def clean_reminder_hours(self):
        return normalize_reminder_hours(self.cleaned_data.get("reminder_hours") or [])

    def clean_timezone(self):
        return validate_timezone(self.cleaned_data.get("timezone") or "")


class ClubMemberInlineFormSet(forms.BaseInlineFormSet):
    """Validates the memberships of one club as a whole: capacity, the owner, at least one admin."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        club = self.instance
        _locked_club(club)  # held until the admin's transaction commits
        kept = [
            form
            for form in self.forms
            if form not in self.deleted_forms and (form.instance.pk is not None or form.has_changed())
        ]
        edited_ids = [form.instance.pk for form in self.forms if form.instance.pk is not None]
        active_rows = [form.cleaned_data for form in kept if form.cleaned_data.get("is_active")]
        users_here = {data["user"].pk for data in active_rows if data.get("user")}

        others = ClubMember.objects.none()
        if club.pk is not None and not club._state.adding:
            others = ClubMember.objects.filter(club=club, is_active=True).exclude(pk__in=edited_ids)
        active_total = len(active_rows) + others.count()
        owner_id = club.owner_id
        if any(form.instance.user_id == owner_id for form in self.deleted_forms if form.instance.pk is not None):
            raise ValidationError("The owner's membership cannot be deleted.", code="owner_cannot_leave")
        if owner_id is not None:
            owner_rows = [
                form.cleaned_data
                for form in kept
                if form.cleaned_data.get("user") and form.cleaned_data["user"].pk == owner_id
            ]
            if any(not data.get("is_active") or data.get("role") != ClubRole.ADMIN for data in owner_rows):
                raise ValidationError("The owner must stay an active club admin.", code="owner_must_be_admin")
            if owner_id not in users_here and not others.filter(user_id=owner_id).exists():
                active_total += 1  # the owner's membership is created on save
        if club.max_members is not None and active_total > club.max_members:
            raise ValidationError(
                f"{active_total} active members would exceed max_members ({club.max_members}).", code="club_full"
            )
        has_admin = owner_id is not None or any(data.get("role") == ClubRole.ADMIN for data in active_rows)
        if active_total and not has_admin and not others.filter(role=ClubRole.ADMIN).exists():
            raise ValidationError("A club needs at least one active admin.", code="last_admin")


class ClubMemberInline(admin.TabularInline):
    model = ClubMember
    formset = ClubMemberInlineFormSet
    fields = ("user", "role", "is_active", "books_read", "joined_date")
    readonly_fields = ("joined_date",)
    autocomplete_fields = ("user",)
    extra = 1
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "club")  # each row is headed by both


@admin.register(Club)
class ClubAdmin(admin.ModelAdmin):
    form = ClubAdminForm
    list_display = (
        "name",
        "owner",
        "is_public",
        "join_policy",
        "member_count",
        "max_members",
        "timezone",
        "created_at",
    )
    list_filter = ("is_public", "join_policy", "timezone", "created_at")
    search_fields = ("name", "description", "owner__email", "owner__name")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    readonly_fields = ("id", "created_at", "updated_at")
    inlines = (ClubMemberInline,)
    ordering = ("name", "id")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(active_members=Count("memberships", filter=Q(memberships__is_active=True)))
        )

    @admin.display(description="Members", ordering="active_members")
    def member_count(self, obj: Club) -> int:
        return getattr(obj, "active_members", 0)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_public" in form.changed_data and not obj.is_public:
            # As `club_update` does: no seat stays with someone who can no longer see the event.
            services.club_made_private(club_id=obj.pk)
        if "current_book" in form.changed_data:
            # As `club_update` does: the reading list's current book follows (books.services).
            club = services.club_lock(club_id=obj.pk)
            services.current_book_changed(club=club, title=club.current_book, actor=request.user)

    def save_formset(self, request, form, formset, change):
        released = []
        if formset.model is ClubMember:
            for member_form in formset.forms:
                member = member_form.instance
                if member.pk is None or not member_form.initial.get("is_active", member.is_active):
                    continue
                if member_form in formset.deleted_forms or not member_form.cleaned_data.get("is_active"):
                    released.append(member.user_id)
        super().save_formset(request, form, formset, change)
        for user_id in released:
            services.member_seats_release(club=form.instance, user_id=user_id)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.club_owner_membership_ensure(club=form.instance)


class ClubMemberAdminForm(forms.ModelForm):
    class Meta:
        model = ClubMember
        fields = ("club", "user", "role", "is_active", "books_read")

    def clean(self):
        cleaned = super().clean()
        club, user = cleaned.get("club"), cleaned.get("user")
        if club is None or user is None:
            return cleaned
        club = _locked_club(club)
        if club.owner_id == user.pk and (not cleaned.get("is_active") or cleaned.get("role") != ClubRole.ADMIN):
            raise ValidationError("The owner must stay an active club admin.", code="owner_must_be_admin")
        stored = None if self.instance.pk is None else ClubMember.objects.filter(pk=self.instance.pk).first()
        becomes_active = cleaned.get("is_active") and (
            stored is None or not stored.is_active or stored.club_id != club.pk
        )
        if becomes_active and club.max_members is not None:
            active = ClubMember.objects.filter(club=club, is_active=True).exclude(pk=self.instance.pk).count()
            if active + 1 > club.max_members:
                raise ValidationError(f"The club is full ({club.max_members} members).", code="club_full")
        return cleaned


@admin.register(ClubMember)
class ClubMemberAdmin(admin.ModelAdmin):
    form = ClubMemberAdminForm
    list_display = ("user", "club", "role", "is_active", "books_read", "joined_date")
    list_filter = ("role", "is_active", "joined_date")
    search_fields = ("user__email", "user__name", "club__name")
    list_select_related = ("user", "club")
    autocomplete_fields = ("club", "user")
    readonly_fields = ("id", "joined_date")
    ordering = ("club__name", "joined_date", "id")

    def save_model(self, request, obj, form, change):
        was_active = change and form.initial.get("is_active", False)
        super().save_model(request, obj, form, change)
        if was_active and not obj.is_active:
            services.member_seats_release(club=obj.club, user_id=obj.user_id)

    def has_delete_permission(self, request, obj=None):
        # The owner's membership goes only with the club or after a transfer of ownership.
        if obj is not None and obj.club.owner_id == obj.user_id:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        club, user_id = obj.club, obj.user_id
        super().delete_model(request, obj)
        services.member_seats_release(club=club, user_id=user_id)

    def delete_queryset(self, request, queryset):
        queryset = queryset.exclude(user_id=F("club__owner_id"))  # see has_delete_permission
        pairs = list(queryset.values_list("club", "user_id"))
        super().delete_queryset(request, queryset)
        clubs = Club.objects.in_bulk({club_id for club_id, _ in pairs})
        for club_id, user_id in pairs:
            services.member_seats_release(club=clubs[club_id], user_id=user_id)
