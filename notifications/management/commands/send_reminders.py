"""`manage.py send_reminders`: send every event reminder that is due now. Idempotent (each user,
event and offset is recorded under a UNIQUE constraint), so it may run at any time, as often as
wanted, beside the worker's own run every five minutes."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from notifications.reminders import reminders_send


class Command(BaseCommand):
    help = "Send the event reminders that are due (idempotent)."

    def handle(self, *args, **options):
        sent = reminders_send()
        self.stdout.write(f"{sent} reminder notifications created")
