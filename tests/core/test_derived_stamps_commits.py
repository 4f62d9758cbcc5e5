"""Derived version scopes (core.migration_sql.DERIVED_KINDS) with real commits
(`transaction=True`): their triggers are deferred, bump once per transaction at commit, skip an
owner that is gone and drop the scopes of a deleted owner; a committed write changes the tag of
the GETs they version, a rolled back one does not."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from books.models import Book
from clubs.models import Club
from notifications.models import Notification
from tests.conditional_helpers import changed, tag_of, unchanged
from tests.conftest import client_for
from tests.factories import BookFactory, ClubMemberFactory, NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _stamp(kind: str, owner) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT stamp FROM cache_stamps WHERE scope_id = cache_scope(%s, %s)", [kind, owner])
        row = cursor.fetchone()
    return row and row[0]


def test_a_scope_moves_at_commit_once_per_transaction():
    me = UserFactory()
    NotificationFactory(user=me)
    before = _stamp("user.notifications", me.pk)
    assert before is not None
    with transaction.atomic():
        NotificationFactory(user=me)
        NotificationFactory(user=me)
        assert _stamp("user.notifications", me.pk) == before  # deferred: nothing before the commit
    after = _stamp("user.notifications", me.pk)
    assert after > before
    with pytest.raises(RuntimeError), transaction.atomic():
        Notification.objects.filter(user=me).delete()
        raise RuntimeError
    assert _stamp("user.notifications", me.pk) == after


def test_committed_writes_change_the_tags_and_rolled_back_ones_do_not():
    member = ClubMemberFactory()
    book = BookFactory(club=member.club)
    client = client_for(member.user)
    path = f"/api/v1/clubs/{member.club_id}/books/"
    tag = tag_of(client, path)
    with pytest.raises(RuntimeError), transaction.atomic():
        Book.objects.filter(pk=book.pk).update(title="Never")
        raise RuntimeError
    unchanged(client, path, tag)
    Book.objects.filter(pk=book.pk).update(title="Committed")
    changed(client, path, tag)


def test_a_deleted_owner_drops_its_scopes_and_its_rows_bump_nothing():
    member = ClubMemberFactory()
    club = member.club
    BookFactory(club=club)
    NotificationFactory(user=member.user)
    assert _stamp("club.books", club.pk) is not None
    Club.objects.filter(pk=club.pk).delete()  # the books go with it (ON DELETE CASCADE)
    assert _stamp("club.books", club.pk) is None
    member.user.delete()
    assert _stamp("user.notifications", member.user.pk) is None
