"""History in the Django admin, read-only for staff.

Every tracked object's change page has an "Events" button (pghistory.admin's template, enabled by
listing `pghistory.admin` before `django.contrib.admin`) that lists that object's changes with
their diffs, user and URL; each history table has its own page too (registered here).
"""

from django.contrib import admin
from pghistory.admin import EventModelAdmin

from audit.models import TRACKED


class HistoryAdmin(EventModelAdmin):
    list_display = ("pgh_created_at", "pgh_label", "pgh_obj", "pgh_context")
    list_select_related = ("pgh_context",)
    ordering = ("-pgh_id",)
    show_full_result_count = False


for model in TRACKED:
    admin.site.register(model, HistoryAdmin)
