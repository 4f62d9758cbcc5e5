"""Django's connection health check under tracing (core/tracing.py, `_health_check_untraced`):
it still runs and still replaces a dead connection, and it is not a span of the request.

Django's test client skips the check (it disconnects `close_old_connections` from the request
signals), so these tests arm it as a server's request does: `close_old_connections()` first."""

from __future__ import annotations

import pytest
from django.db import close_old_connections, connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper

from core import tracing
from tests.conftest import client_for
from tests.factories import ClubMemberFactory, EventFactory
from tests.tracing_helpers import installed

pytestmark = pytest.mark.django_db(transaction=True)


def _statements(spans) -> list[str]:
    return [span.attributes["db.statement"] for span in spans if "db.statement" in span.attributes]


def _request(client, event):
    close_old_connections()  # what gunicorn's request_started does: the next query checks first
    assert not connection.health_check_done
    response = client.get(f"/api/v1/events/{event.pk}/")
    assert response.status_code == 200, response.content
    assert connection.health_check_done  # the check ran, before the request's first query


def test_the_health_check_runs_but_is_not_a_span_of_the_request(provider):
    membership = ClubMemberFactory()
    event = EventFactory(club=membership.club)
    client = client_for(membership.user)
    _request(client, event)  # the connection is open and kept from here on
    provider.exporter.clear()

    _request(client, event)

    statements = _statements(provider.exporter.get_finished_spans())
    assert statements, "the request's own statements are spans"
    assert "SELECT 1" not in statements


def test_a_dead_connection_still_fails_the_check_and_is_replaced(provider):
    membership = ClubMemberFactory()
    event = EventFactory(club=membership.club)
    client = client_for(membership.user)
    _request(client, event)
    dead_pid = connection.connection.info.backend_pid
    with connections.create_connection("default").cursor() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [dead_pid])

    _request(client, event)  # not a 503: the check found the connection dead and reconnected

    assert connection.connection.info.backend_pid != dead_pid


def test_uninstall_restores_djangos_own_check(transactional_db):
    djangos = DatabaseWrapper.is_usable
    with installed():
        assert DatabaseWrapper.is_usable is tracing._untraced_is_usable
        tracing._health_check_untraced(True)  # a second install changes nothing
        assert DatabaseWrapper.is_usable is tracing._untraced_is_usable
    assert DatabaseWrapper.is_usable is djangos
    tracing._health_check_untraced(False)  # nor a second uninstall
    assert DatabaseWrapper.is_usable is djangos
