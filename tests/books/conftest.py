"""Fixtures of the books and polls tests: a club with one user per role (tests/clubs/conftest.py)."""

from __future__ import annotations

import pytest

from tests.clubs.conftest import build_world


@pytest.fixture
def public_world(db):
    return build_world(is_public=True)


@pytest.fixture
def private_world(db):
    return build_world(is_public=False)


def books_url(club) -> str:
    return f"/api/v1/clubs/{club.pk}/books/"


def book_url(book) -> str:
    return f"/api/v1/clubs/{book.club_id}/books/{book.pk}/"
