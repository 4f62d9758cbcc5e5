"""Fixtures of the accounts tests."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import login


@pytest.fixture
def signed_in(user, api_client):
    """(user, access, refresh) of a real login."""
    body = login(api_client, user.email).json()
    return user, body["access"], body["refresh"]
