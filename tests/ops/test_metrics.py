"""/metrics: Prometheus text, only for the token or an allowed address, never any query text."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import ClubFactory, EventFactory, UserFactory

pytestmark = [pytest.mark.urls("tests.ops.urls"), pytest.mark.django_db]

OUTSIDER = "203.0.113.9"


def samples(text: str) -> dict:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(**extra) -> dict:
    response = Client().get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return samples(response.content.decode())


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_loopback_may_scrape_without_token():
    found = scrape()
    assert any(name == "bookwork_clubs" for name, _ in found)


def test_other_address_without_token_gets_json_404():
    response = Client().get("/metrics", REMOTE_ADDR=OUTSIDER)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_proxied_request_from_loopback_is_not_trusted_by_address():
    response = Client().get("/metrics", HTTP_X_FORWARDED_FOR=OUTSIDER)
    assert response.status_code == 404


def test_correct_token_admits_any_address(settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    found = scrape(REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    assert any(name == "bookwork_users" for name, _ in found)


@pytest.mark.parametrize("configured", ["s3cret-metrics-token", ""])
def test_wrong_token_gets_json_403_even_from_loopback(settings, configured):
    settings.METRICS_TOKEN = configured
    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer guess")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "permission_denied"


def test_allowed_ips_accept_networks(settings):
    settings.METRICS_ALLOWED_IPS = ["10.1.0.0/16"]
    assert Client().get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert Client().get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_requests_are_counted_by_view_method_and_status():
    before = scrape()
    client = Client()
    client.get("/test/plain-logs/")
    client.get("/test/plain-logs/")
    client.post("/healthz")
    client.get("/no/such/url")
    after = scrape()
    counter = "bookwork_http_requests_total"
    assert (
        value(after, counter, view="plain-logs", method="GET", status="200")
        - value(before, counter, view="plain-logs", method="GET", status="200")
        == 2
    )
    assert (
        value(after, counter, view="healthz", method="POST", status="405")
        - value(before, counter, view="healthz", method="POST", status="405")
        == 1
    )
    assert (
        value(after, counter, view="unmatched", method="GET", status="404")
        - value(before, counter, view="unmatched", method="GET", status="404")
        == 1
    )
    latency = "bookwork_http_request_duration_seconds_count"
    assert (
        value(after, latency, view="plain-logs", method="GET") - value(before, latency, view="plain-logs", method="GET")
        == 2
    )


def test_database_queries_and_errors_are_counted():
    before = scrape()
    Client().get("/readyz")  # SELECT 1 plus the migration recorder's query
    Client(raise_request_exception=False).get("/test/drf-db-down/")
    after = scrape()
    assert (
        value(after, "bookwork_db_queries_total", statement="select")
        - value(before, "bookwork_db_queries_total", statement="select")
        >= 2
    )
    assert value(after, "bookwork_db_query_duration_seconds_count") > value(
        before, "bookwork_db_query_duration_seconds_count"
    )


def test_failing_statements_are_counted_by_error_class():
    from django.db import connection, transaction

    from bookwork import metrics

    before = metrics.DB_QUERY_ERRORS.labels(error="ProgrammingError")._value.get()
    with connection.execute_wrapper(metrics.query_counter), transaction.atomic():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table_anywhere")
        except Exception:
            pass
    after = metrics.DB_QUERY_ERRORS.labels(error="ProgrammingError")._value.get()
    assert after - before == 1


def test_domain_gauges_count_at_scrape_time():
    today = timezone.localdate()
    UserFactory(is_active=False)
    club = ClubFactory()  # plus its owner, an active user
    EventFactory(club=club, event_date=today + dt.timedelta(days=3))
    EventFactory(club=club, event_date=today)
    EventFactory(club=club, event_date=today + dt.timedelta(days=90))
    past = EventFactory(club=club, event_date=today + dt.timedelta(days=1))
    type(past).objects.filter(pk=past.pk).update(event_date=today - dt.timedelta(days=2))
    found = scrape()
    from accounts.models import User

    assert value(found, "bookwork_users", active="true") == User.objects.filter(is_active=True).count()
    assert value(found, "bookwork_users", active="false") == 1
    assert value(found, "bookwork_clubs") == 1
    assert value(found, "bookwork_upcoming_events") == 2


def test_no_query_text_is_ever_exposed():
    UserFactory(email="canary-7788@example.com")
    Client().get("/readyz")
    text = Client().get("/metrics").content.decode()
    for leak in ("SELECT", "FROM ", "canary-7788", "django_migrations", "pg_stat_activity"):
        assert leak not in text
