"""`BENCH_AUDIT=off` (bench/audit.py `audit_triggers`): the audit history's triggers are off for
the block on the bench database, every connection sees it, and they are on again after it."""

from __future__ import annotations

import pytest
from django.db import connection

from audit.models import TRACKED, RsvpHistory
from bench import audit
from events.availability.services import availability_upsert
from events.models import RsvpStatus
from tests.factories import ClubMemberFactory, EventFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _switched() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname, tgenabled FROM pg_trigger WHERE tgname ~ %s", [audit.AUDIT_TRIGGERS])
        return dict(cursor.fetchall())


def test_the_audit_switch_turns_the_history_off_for_the_block_only():
    event = EventFactory()
    member = ClubMemberFactory(club=event.club).user
    states = _switched()
    assert len(states) == 3 * len(TRACKED) and set(states.values()) == {"O"}  # insert, update, delete
    with audit.audit_triggers(connection.settings_dict["NAME"], enabled=False):
        assert set(_switched().values()) == {"D"}
        availability_upsert(event_id=event.pk, user=member, status=RsvpStatus.MAYBE)
        assert not RsvpHistory.objects.exists()
    assert _switched() == states
    availability_upsert(event_id=event.pk, user=member, status=RsvpStatus.AVAILABLE)
    assert RsvpHistory.objects.count() == 1
