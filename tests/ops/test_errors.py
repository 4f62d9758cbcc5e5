"""Every error answer, in and outside DRF views, is JSON of the contract's shape with the request id;
500s show no traceback or SQL and are logged with their traceback; the admin keeps HTML."""

import logging

import pytest
from django.test import Client

from tests.ops.urls import SECRET_TEXT

# DRF throttling keeps its counters in the (database) cache, so even failing views touch the DB.
pytestmark = [pytest.mark.urls("tests.ops.urls"), pytest.mark.django_db]


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def assert_contract_error(response, status, code, kind=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["type"] == (kind or ("server_error" if status >= 500 else "client_error"))
    assert body["errors"][0]["code"] == code
    assert set(body["errors"][0]) == {"code", "detail", "attr"}
    assert response["X-Request-ID"]
    text = response.content.decode()
    assert "Traceback" not in text
    assert "SELECT" not in text
    assert "hunter2" not in text
    return body


def test_unknown_url_is_json_404(client):
    assert_contract_error(client.get("/api/v1/no-such-thing/"), 404, "not_found")


def test_wrong_method_outside_drf_is_json_405_with_allow(client):
    response = client.post("/healthz")
    assert_contract_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


def test_wrong_method_in_drf_is_json_405(client):
    assert_contract_error(client.delete("/test/drf-echo/"), 405, "method_not_allowed")


def test_malformed_json_is_400_parse_error(client):
    response = client.post("/test/drf-echo/", data='{"a": ', content_type="application/json")
    assert_contract_error(response, 400, "parse_error")


def test_wellformed_json_reaches_the_view(client):
    response = client.post("/test/drf-echo/", data={"a": 1}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"received": {"a": 1}}


def test_oversized_body_is_413_before_parsing(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    response = client.post("/test/drf-echo/", data='{"a": "' + "x" * 4096 + '"}', content_type="application/json")
    assert_contract_error(response, 413, "request_too_large")


def test_body_under_the_cap_is_accepted(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 8192
    response = client.post("/test/drf-echo/", data='{"a": "' + "x" * 4096 + '"}', content_type="application/json")
    assert response.status_code == 200


def test_default_body_cap_is_one_mebibyte(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 1024 * 1024


def test_unhandled_exception_in_drf_view_is_500_json_and_logged_with_traceback(client, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.get("/test/drf-boom/", HTTP_X_REQUEST_ID="boom-drf-1")
    assert_contract_error(response, 500, "error")
    assert response["X-Request-ID"] == "boom-drf-1"
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert logged, "the 500 must be logged with its traceback"
    assert any(SECRET_TEXT in str(r.exc_info[1]) for r in logged)


def test_unhandled_exception_outside_drf_is_500_json_and_logged_with_traceback(client, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.get("/test/plain-boom/")
    assert_contract_error(response, 500, "error")
    logged = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert logged and isinstance(logged[0].exc_info[1], RuntimeError)


def test_database_error_in_drf_view_is_503(client, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.get("/test/drf-db-down/")
    assert_contract_error(response, 503, "database_unavailable")
    assert response["Retry-After"]
    assert any(r.exc_info for r in caplog.records if r.name == "bookwork.errors")


def test_database_error_outside_drf_is_503(client):
    response = client.get("/test/plain-db-down/")
    assert_contract_error(response, 503, "database_unavailable")


def test_permission_denial_is_403_and_logged_as_security_event(client, caplog):
    with caplog.at_level(logging.WARNING, logger="bookwork.security"):
        response = client.get("/test/drf-forbidden/")
    assert_contract_error(response, 403, "permission_denied")
    events = [r for r in caplog.records if r.name == "bookwork.security"]
    assert events and events[0].levelno == logging.WARNING
    assert events[0].path == "/test/drf-forbidden/"


@pytest.mark.django_db
def test_admin_keeps_html_pages(client, settings):
    # The manifest exists only after collectstatic (done at image build), not in the test tree.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    missing = client.get("/admin/no-such-page/")
    assert missing.status_code in (302, 404)
    assert not missing.get("Content-Type", "").startswith("application/json")


def test_disallowed_host_is_json_400(client):
    assert_contract_error(client.get("/healthz", HTTP_HOST="evil.example.com"), 400, "bad_request")
