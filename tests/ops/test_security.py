"""Security settings: deploy checks, start-up refusals, headers, CORS, cookies, proxy trust."""

import json
import subprocess

import pytest
from django.test import Client

from tests.ops.servers import BASE_DIR, VENV_BIN, free_port, manage, production_env


def assert_one_line_refusal(result: subprocess.CompletedProcess, variable: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]


def test_check_deploy_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_when_a_protection_is_turned_off():
    # Proves the previous test can fail: without the SSL redirect Django warns (security.W008).
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(SECURE_SSL_REDIRECT="false"))
    assert result.returncode != 0
    assert "W008" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short-0123456789"}, "SECRET_KEY"),
        ({"SECRET_KEY": "a" * 60}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": "api.example.com,*"}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://user@db:notaport/bookwork"}, "DATABASE_URL"),
        ({"DB_STATEMENT_TIMEOUT_MS": "5s"}, "DB_STATEMENT_TIMEOUT_MS"),
    ],
)
def test_start_up_refuses_bad_configuration_with_one_line(overrides, variable):
    assert_one_line_refusal(manage("check", env=production_env(**overrides)), variable)


def test_debug_mode_tolerates_a_missing_key():
    result = manage("check", env=production_env(DEBUG="true", SECRET_KEY=""))
    assert result.returncode == 0, result.stderr


def test_gunicorn_refuses_bad_configuration_with_one_line():
    env = production_env(SECRET_KEY="short", BIND=f"127.0.0.1:{free_port()}")
    result = subprocess.run(
        [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", "bookwork.wsgi"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "configuration error: SECRET_KEY" in result.stderr


def _setting(name: str, **overrides) -> object:
    code = f"from django.conf import settings; import json; print(json.dumps(getattr(settings, {name!r}, None), default=str))"
    result = manage("shell", "-c", code, env=production_env(**overrides))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_proxy_ssl_header_is_trusted_only_when_configured():
    assert _setting("SECURE_PROXY_SSL_HEADER") is None
    assert _setting("SECURE_PROXY_SSL_HEADER", TRUST_PROXY_SSL_HEADER="true") == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_production_defaults(settings):
    # Read in the test process, which runs with DEBUG off like production.
    assert settings.DEBUG is False
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SECURE_HSTS_SECONDS >= 31536000
    assert settings.X_FRAME_OPTIONS == "DENY"
    assert settings.CORS_ALLOWED_ORIGINS == []
    assert settings.CORS_ALLOW_CREDENTIALS is False


def test_security_headers_on_every_answer():
    response = Client().get("/healthz", secure=True)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    missing = Client().get("/api/v1/nothing-here/", secure=True)
    assert missing["X-Frame-Options"] == "DENY"
    assert missing["X-Content-Type-Options"] == "nosniff"


def test_ssl_redirect_spares_the_probes(settings):
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/api/v1/clubs/").status_code == 301
    assert Client().get("/healthz").status_code == 200


ALLOWED = "https://app.example.com"


@pytest.fixture
def cors(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]


def _preflight(origin: str):
    return Client().options(
        "/api/v1/auth/login/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type",
    )


def test_cors_preflight_from_an_allowed_origin(cors):
    response = _preflight(ALLOWED)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "authorization" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


def test_cors_preflight_from_another_origin_gets_no_grant(cors):
    response = _preflight("https://evil.example.net")
    assert "Access-Control-Allow-Origin" not in response


def test_cors_exposes_the_request_id_to_allowed_origins(cors):
    response = Client().get("/api/v1/nothing-here/", HTTP_ORIGIN=ALLOWED)
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert "X-Request-ID" in response["Access-Control-Expose-Headers"]


def test_no_cors_grant_by_default():
    assert "Access-Control-Allow-Origin" not in _preflight(ALLOWED)
