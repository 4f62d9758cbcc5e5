"""Django admin for the reading list and reading entries, through `books.services`.

Adding, editing, deleting and starting books go through the same services as the API (so the
one-current-book rule, `clubs.current_book` and `books_read` hold here too). Reading entries are
the members' own: staff see them, read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from books import services
from books.isbn import isbn_normalize
from books.models import Book, ReadingEntry


class BookAdminForm(forms.ModelForm):
    class Meta:
        model = Book
        fields = ("club", "title", "author", "isbn", "cover_url")

    def clean_isbn(self):
        value = (self.cleaned_data.get("isbn") or "").strip()
        return isbn_normalize(value) if value else None

    def clean_cover_url(self):
        value = self.cleaned_data.get("cover_url") or None
        if value and not value.lower().startswith("https://"):
            raise ValidationError("The cover URL must use https.", code="https_required")
        return value


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):
    form = BookAdminForm
    list_display = ("title", "author", "club", "status", "started_on", "finished_on", "created_at")
    list_filter = ("status",)
    search_fields = ("title", "author", "isbn", "club__name")
    list_select_related = ("club",)
    autocomplete_fields = ("club",)
    readonly_fields = ("id", "status", "started_on", "finished_on", "added_by", "created_at", "updated_at")
    ordering = ("-created_at", "id")
    actions = ("start_books",)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "club") if obj is not None else fields

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in ("title", "author", "isbn", "cover_url")}
        if change:
            changed = {field: value for field, value in data.items() if field in form.changed_data}
            services.book_update(actor=request.user, club_id=obj.club_id, book_id=obj.pk, data=changed)
        else:
            created = services.book_create(actor=request.user, club_id=obj.club_id, **data)
            obj.pk, obj._state.adding = created.pk, False

    def delete_model(self, request, obj):
        services.book_delete(actor=request.user, club_id=obj.club_id, book_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for book in queryset:
            services.book_delete(actor=request.user, club_id=book.club_id, book_id=book.pk)

    @admin.action(description="Start the selected book (finishes the club's current one)")
    def start_books(self, request, queryset):
        for book in queryset:
            services.book_start_by(actor=request.user, club_id=book.club_id, book_id=book.pk)
        messages.success(request, f"Started {queryset.count()} book(s).")


@admin.register(ReadingEntry)
class ReadingEntryAdmin(admin.ModelAdmin):
    list_display = ("book", "user", "status", "progress_percent", "rating", "updated_at")
    list_filter = ("status",)
    search_fields = ("book__title", "user__email", "user__name")
    list_select_related = ("book", "user")
    ordering = ("-updated_at", "id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
