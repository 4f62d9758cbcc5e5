"""Request ids and structured logs: one JSON object per line with the request's id and user."""

import io
import json
import logging

import pytest
from django.test import Client

from bookwork.logging import ConsoleFormatter, JsonFormatter, RequestContextFilter
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = [pytest.mark.urls("tests.ops.urls"), pytest.mark.django_db]


@pytest.fixture
def json_lines():
    """Capture every log line as the production handler writes it (filter + JSON formatter)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_new_request_id_is_generated_and_returned():
    first = Client().get("/healthz")["X-Request-ID"]
    second = Client().get("/healthz")["X-Request-ID"]
    assert first and second and first != second


def test_sane_incoming_request_id_is_kept():
    assert Client().get("/healthz", HTTP_X_REQUEST_ID="abc-123.def:9")["X-Request-ID"] == "abc-123.def:9"


@pytest.mark.parametrize("bad", ["has space", "x" * 200, 'quote"', "new\nline", "<script>"])
def test_insane_incoming_request_id_is_replaced(bad):
    returned = Client().get("/healthz", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
    assert returned != bad
    assert len(returned) == 32


def test_every_line_of_a_request_carries_its_id(json_lines):
    Client().get("/test/plain-logs/", HTTP_X_REQUEST_ID="req-lines-1")
    lines = json_lines()
    inside = [line for line in lines if line["logger"] == "bookwork.test"]
    access = [line for line in lines if line["logger"] == "bookwork.access"]
    assert inside and inside[0]["request_id"] == "req-lines-1"
    assert access and access[0]["request_id"] == "req-lines-1"


def test_access_line_has_the_contracted_fields(json_lines):
    Client().get("/test/plain-logs/", HTTP_X_REQUEST_ID="req-fields-1")
    (line,) = [line for line in json_lines() if line["logger"] == "bookwork.access"]
    for key in (
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "user_id",
        "method",
        "path",
        "status",
        "duration_ms",
        "client_ip",
    ):
        assert key in line, key
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == "/test/plain-logs/"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["time"].endswith("+00:00")


def test_lines_of_an_authenticated_request_name_the_user(json_lines):
    user = UserFactory()
    response = client_for(user).get("/test/whoami/", HTTP_X_REQUEST_ID="req-user-1")
    assert response.status_code == 200
    lines = [line for line in json_lines() if line["request_id"] == "req-user-1"]
    inside = [line for line in lines if line["logger"] == "bookwork.test"]
    access = [line for line in lines if line["logger"] == "bookwork.access"]
    assert inside[0]["user_id"] == str(user.pk)
    assert access[0]["user_id"] == str(user.pk)


def test_500_line_carries_the_request_id_and_traceback(json_lines):
    Client(raise_request_exception=False).get("/test/plain-boom/", HTTP_X_REQUEST_ID="req-boom-1")
    errors = [line for line in json_lines() if line["level"] == "ERROR"]
    assert errors
    assert all(line["request_id"] == "req-boom-1" for line in errors)
    assert any("RuntimeError" in line.get("exc_info", "") for line in errors)


def test_probes_are_not_access_logged(json_lines):
    Client().get("/healthz")
    assert not [line for line in json_lines() if line["logger"] == "bookwork.access"]


def test_console_format_is_one_readable_line():
    record = logging.makeLogRecord({"name": "bookwork.x", "levelname": "INFO", "msg": "hello", "request_id": "r1"})
    text = ConsoleFormatter().format(record)
    assert "hello" in text and "[r1]" in text and "\n" not in text


def test_log_format_defaults_to_json_in_production(settings):
    assert settings.LOG_FORMAT == "json"
    assert settings.LOGGING["handlers"]["default"]["formatter"] == "json"
