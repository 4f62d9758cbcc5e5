"""Reads of the accounts app. A user only ever sees their own sessions."""

from __future__ import annotations

import uuid

from django.db import connection
from django.db.models import F, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts import sql
from accounts.models import RefreshToken, User
from core.sql import hydrate, version_of


def user_get_by_id(user_id: uuid.UUID) -> User | None:
    """The user with `user_id`, active or not, or None. Every authenticated request calls this,
    so it is one hand-written primary-key lookup (core/sql.py): a quarter of the CPU of
    the ORM's `User.objects.get`."""
    with connection.cursor() as cursor:
        cursor.execute(sql.user_by_id(), [user_id])
        row = cursor.fetchone()
    return None if row is None else hydrate(User, row)[0]


def sessions_version(*, user: User) -> tuple:
    """What `session_list(user=user)` is a function of, read before it (`sql.sessions_version`)."""
    return version_of(sql.sessions_version(), {"owner": user.pk})


def session_list(*, user: User) -> QuerySet[RefreshToken]:
    """The live sessions of `user`: one row per family, namely its current (live) token, annotated
    with `session_created_at` (when the family's first token was issued). Newest session first."""
    now = timezone.now()
    family_start = (
        RefreshToken.objects.filter(family_id=OuterRef("family_id"))
        .order_by()
        .values("family_id")
        .annotate(first=Min("created_at"))
        .values("first")
    )
    return (
        RefreshToken.objects.filter(
            user=user,
            is_revoked=False,
            used_at__isnull=True,
            expires_at__gt=now,
            family_expires_at__gt=now,
        )
        .annotate(session_created_at=Subquery(family_start))
        .order_by(F("session_created_at").desc(), "family_id")
    )
