"""Configuration errors name what is wrong in one line (bookwork/config.py)."""

from __future__ import annotations

import pytest

from bookwork.config import ConfigError, env_database
from tests.ops.servers import manage, production_env


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://x@y/z", "got scheme 'mysql://'"),
        ("oracle://scott@db/orcl", "got scheme 'oracle://'"),
        ("localhost:5432/bookwork", "got scheme 'localhost://'"),
        ("/var/run/postgresql", "got no scheme"),
    ],
)
def test_a_database_url_of_another_kind_names_its_scheme(monkeypatch, url, message):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigError, match="DATABASE_URL must be a postgres:// URL") as error:
        env_database("DATABASE_URL", "postgres://postgres@localhost/bookwork")
    assert message in str(error.value)


def test_the_error_never_shows_the_password(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://admin:hunter2-secret@db.example.com/app")
    with pytest.raises(ConfigError) as error:
        env_database("DATABASE_URL", "postgres://postgres@localhost/bookwork")
    assert "hunter2" not in str(error.value) and "'mysql://'" in str(error.value)


def test_manage_py_stops_with_the_one_line():
    result = manage("check", env=production_env(DATABASE_URL="mysql://x@y/z"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "configuration error: DATABASE_URL must be a postgres:// URL (postgres://user:pass@host:5432/db), "
        "got scheme 'mysql://'"
    )
