"""Email configuration: enabled by EMAIL_ENABLED; production refuses to start without EMAIL_URL
and PUBLIC_URL only when it is; EMAIL_URL is django-environ's email URL."""

from __future__ import annotations

import pytest

from bookwork.config import ConfigError, env_email, env_url
from tests.ops.servers import manage, production_env

CODE = "from django.conf import settings as s; print(s.EMAIL_ENABLED, s.PUBLIC_URL)"


@pytest.mark.slow
def test_production_starts_without_email_and_refuses_enabled_email_without_its_addresses():
    result = manage("shell", "-c", CODE, env=production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["False", "http://127.0.0.1:8000"]
    result = manage("shell", "-c", CODE, env=production_env(EMAIL_ENABLED="true", EMAIL_URL="smtp://mail:25"))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "configuration error: PUBLIC_URL required when EMAIL_ENABLED is on and DEBUG is off" in result.stderr


def test_email_url_forms(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "smtp+tls://mailer:s3cret@smtp.example.com:587")
    config = env_email("EMAIL_URL", "consolemail://")
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (config["EMAIL_HOST"], config["EMAIL_PORT"], config["EMAIL_USE_TLS"]) == ("smtp.example.com", 587, True)
    assert (config["EMAIL_HOST_USER"], config["EMAIL_HOST_PASSWORD"]) == ("mailer", "s3cret")
    monkeypatch.delenv("EMAIL_URL")
    assert env_email("EMAIL_URL", "consolemail://")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    monkeypatch.setenv("EMAIL_URL", "carrier-pigeon://coop")
    with pytest.raises(ConfigError, match="EMAIL_URL must be one of"):
        env_email("EMAIL_URL", "consolemail://")


def test_public_url(monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "https://bookwork.example.com/")
    assert env_url("PUBLIC_URL") == "https://bookwork.example.com"
    monkeypatch.setenv("PUBLIC_URL", "bookwork.example.com")
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        env_url("PUBLIC_URL")
