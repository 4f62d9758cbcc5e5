"""History rows (audit/models.py) are written by triggers, with who did it and through which door.

- An RSVP through the API takes the hand-written SQL path (events.availability.services): its
  row carries the caller, channel `api` and the request id the client sent.
- A member removed in the admin leaves a `delete` row with the staff user and channel `admin`.
- A bulk management command leaves rows with channel `command` and the command's name.
- The password hash never reaches history; prune_history deletes old rows only.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from pghistory.models import Context

from accounts.models import User
from audit.models import MembershipHistory, RsvpHistory, UserHistory
from clubs.models import ClubMember, ClubRole
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, ClubFactory, ClubMemberFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db


def _metadata(row) -> dict:
    assert row.pgh_context is not None, "the change was recorded without a context"
    return row.pgh_context.metadata


def test_rsvp_through_the_hand_written_sql_path_is_recorded_with_actor_channel_and_request_id():
    member = ClubMemberFactory().user
    event = EventFactory(club=ClubMember.objects.get(user=member).club, max_attendees=5)
    client = client_for(member)

    response = client.put(
        f"/api/v1/events/{event.pk}/availability/me/",
        {"status": "available", "notes": "bringing cake"},
        format="json",
        HTTP_X_REQUEST_ID="rsvp-req-1",
    )
    assert response.status_code in (200, 201), response.content
    response = client.put(
        f"/api/v1/events/{event.pk}/availability/me/",
        {"status": "maybe"},
        format="json",
        HTTP_X_REQUEST_ID="rsvp-req-2",
    )
    assert response.status_code == 200, response.content

    rows = list(RsvpHistory.objects.filter(event_id=event.pk, user_id=member.pk).order_by("pgh_id"))
    assert [row.pgh_label for row in rows] == ["insert", "update"]
    assert [(row.status, row.notes) for row in rows] == [("available", "bringing cake"), ("maybe", "bringing cake")]
    for row, request_id in zip(rows, ["rsvp-req-1", "rsvp-req-2"], strict=True):
        metadata = _metadata(row)
        assert metadata["user"] == str(member.pk)
        assert metadata["channel"] == "api"
        assert metadata["request_id"] == request_id


def test_member_removed_in_the_admin_is_recorded_with_the_staff_user_and_channel_admin(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    membership = ClubMemberFactory(role=ClubRole.MEMBER)
    assert client.login(username=staff.email, password=DEFAULT_PASSWORD)

    response = client.post(f"/admin/clubs/clubmember/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content
    assert not ClubMember.objects.filter(pk=membership.pk).exists()

    row = MembershipHistory.objects.get(pgh_obj_id=membership.pk, pgh_label="delete")
    assert (row.club_id, row.user_id, row.role) == (membership.club_id, membership.user_id, "member")
    metadata = _metadata(row)
    assert metadata["user"] == str(staff.pk)
    assert metadata["channel"] == "admin"
    assert metadata["request_id"]


def test_a_bulk_command_records_its_rows_with_channel_command(settings):
    settings.SEED_DEMO_PASSWORD = "a-demo-password-for-tests"
    call_command("seed_demo", "--force", stdout=StringIO())

    users = UserHistory.objects.filter(pgh_label="insert")
    memberships = MembershipHistory.objects.filter(pgh_label="insert")
    assert users.count() == User.objects.count() > 1
    assert memberships.count() == ClubMember.objects.count() > 1
    contexts = {row.pgh_context_id for row in [*users, *memberships]}
    assert len(contexts) == 1, "one command run is one context"
    metadata = _metadata(users.first())
    assert metadata == {"user": None, "channel": "command", "command": "seed_demo", "request_id": None}


def test_the_password_hash_never_reaches_history():
    user = UserFactory()
    user.set_password("another-password-entirely")
    user.save()
    columns = {field.column for field in UserHistory._meta.fields}
    assert "password_hash" not in columns and "password" not in columns
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(h)::text FROM audit_userhistory h WHERE pgh_obj_id = %s", [user.pk])
        rows = [row[0] for row in cursor.fetchall()]
    assert rows, "the user's insert is recorded"
    assert not any(user.password in row or "argon2" in row or "md5$" in row for row in rows)
    # Changing only the password (or last_login, or updated_at) leaves no update row.
    assert not UserHistory.objects.filter(pgh_obj_id=user.pk, pgh_label="update").exists()


def test_prune_history_deletes_rows_older_than_the_retention_only():
    old_club = ClubFactory()
    new_club = ClubFactory()
    MembershipHistory.objects.filter(club_id=old_club.pk).update(
        pgh_created_at=old_club.created_at - timedelta(days=400)
    )
    old_context, kept_context = Context.objects.create(metadata={}), Context.objects.create(metadata={})
    Context.objects.filter(pk__in=[old_context.pk, kept_context.pk]).update(
        created_at=old_club.created_at - timedelta(days=400)
    )
    # A context as old, still referred to by a row inside the retention, is kept.
    MembershipHistory.objects.filter(club_id=new_club.pk).update(pgh_context=kept_context)

    call_command("prune_history", "--older-than", "365", stdout=StringIO())
    assert not MembershipHistory.objects.filter(club_id=old_club.pk).exists()
    assert MembershipHistory.objects.filter(club_id=new_club.pk).exists()
    assert set(Context.objects.filter(pk__in=[old_context.pk, kept_context.pk])) == {kept_context}


def test_maintenance_runs_prune_history():
    out = StringIO()
    call_command("maintenance", "--dry-run", stdout=out)
    assert "would run: prune_history" in out.getvalue()


def test_reads_run_without_a_history_context_and_writes_with_one(monkeypatch):
    """Reads skip pghistory's context (and its wrapper around every statement); writes keep it."""
    import pghistory

    opened = []
    real = pghistory.context

    def spy(*args, **kwargs):
        opened.append(kwargs.get("url"))
        return real(*args, **kwargs)

    monkeypatch.setattr(pghistory, "context", spy)
    member = ClubMemberFactory()
    client = client_for(member.user)
    assert client.get(f"/api/v1/clubs/{member.club_id}/").status_code == 200
    assert opened == []
    assert client.post(f"/api/v1/clubs/{member.club_id}/leave/").status_code in (200, 204)
    assert opened[0] == f"/api/v1/clubs/{member.club_id}/leave/"  # then the user, once DRF knows it


def test_a_history_row_maintains_only_the_indexes_that_are_searched():
    """Each index is a write per history row (the RSVP write's trigger pays it): the RSVP history
    keeps its key, its object's rows, the activity feed's event, and a BRIN on the time for
    prune_history; copied foreign keys (user, context) are not indexed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname, am.amname FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_am am ON am.oid = x.relam "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey) "
            "WHERE t.relname = %s",
            [RsvpHistory._meta.db_table],
        )
        indexes = sorted(cursor.fetchall())
    assert indexes == [("event_id", "btree"), ("pgh_created_at", "brin"), ("pgh_id", "btree"), ("pgh_obj_id", "btree")]
