"""A fresh checkout behaves as the README says: `make install` writes `.env.dev`, so
`.venv/bin/python manage.py createsuperuser` works; gunicorn never reads that file; `make run`
prints every address the README promises; a localhost front end may call the API in development."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from django.db import connection

from accounts.models import User
from tests.ops.servers import BASE_DIR, database_url, production_env

# The files a clone has that these commands need, and every Python package at the top level
# (found, not listed: a new app or library package must not break this copy).
SOURCES = [
    "Makefile",
    "manage.py",
    "requirements.txt",
    "requirements-dev.txt",
    *sorted(path.name for path in BASE_DIR.iterdir() if (path / "__init__.py").is_file() and path.name != "tests"),
]


@pytest.fixture
def checkout(tmp_path):
    """A copy of the project's sources without any .env.dev, as `git clone` gives."""
    root = tmp_path / "bookwork"
    root.mkdir()
    for name in SOURCES:
        source = BASE_DIR / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, root / name)
    return root


def developer_env(**overrides: str) -> dict[str, str]:
    """A developer's shell: nothing exported but the database address."""
    env = production_env(**overrides)
    for name in ("DEBUG", "SECRET_KEY", "READ_ENV_DEV"):
        env.pop(name)
    env.update(overrides)
    return env


def run(args: list[str], cwd, env) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.django_db(transaction=True)
def test_make_install_writes_env_dev_once_and_manage_py_then_works(checkout):
    env = developer_env(
        DATABASE_URL=database_url(connection.settings_dict), DJANGO_SUPERUSER_PASSWORD="a-Str0ng-passphrase-2026"
    )
    createsuperuser = [sys.executable, "manage.py", "createsuperuser", "--noinput", "--email", "a@example.com"]

    before = run([*createsuperuser, "--name", "A"], checkout, env)  # what a fresh clone did before
    assert before.returncode == 2 and "SECRET_KEY is required when DEBUG is off" in before.stderr

    made = run(["make", "-s", ".env.dev", f"PYTHON={sys.executable}"], checkout, env)
    assert made.returncode == 0, made.stderr
    written = (checkout / ".env.dev").read_text()
    assert "DEBUG=true" in written.splitlines()
    key = re.search(r"^SECRET_KEY=(\S+)$", written, re.M).group(1)
    assert len(key) >= 50 and key not in (BASE_DIR / ".env.example").read_text()
    assert (checkout / ".env.dev").stat().st_mode & 0o077 == 0  # readable by its owner only
    run(["make", "-s", ".env.dev", f"PYTHON={sys.executable}"], checkout, env)
    assert (checkout / ".env.dev").read_text() == written  # never overwritten

    result = run([*createsuperuser, "--name", "Ada Admin"], checkout, env)
    assert result.returncode == 0, result.stderr
    assert User.objects.get(email="a@example.com").is_superuser

    # The environment wins over the file, and READ_ENV_DEV=false (the Docker image's) ignores it.
    off = run([sys.executable, "manage.py", "check"], checkout, {**env, "DEBUG": "false"})
    assert "SECRET_KEY must be at least" not in off.stderr and "SECRET_KEY is required" not in off.stderr
    ignored = run([sys.executable, "manage.py", "check"], checkout, {**env, "READ_ENV_DEV": "false"})
    assert ignored.returncode == 2 and "SECRET_KEY is required when DEBUG is off" in ignored.stderr

    # gunicorn's entry point never reads it: with nothing exported, production settings refuse to start.
    wsgi = run([sys.executable, "-c", "import bookwork.wsgi"], checkout, env)
    assert wsgi.returncode == 2 and "SECRET_KEY is required when DEBUG is off" in wsgi.stderr


def test_the_docker_image_never_reads_env_dev():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert "READ_ENV_DEV=false" in dockerfile
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert ".env.*" in ignored and ".env.dev" in (BASE_DIR / ".gitignore").read_text().split()


def test_make_run_prints_every_address_the_readme_lists():
    plan = run(["make", "-n", "run"], BASE_DIR, developer_env())
    (line,) = [line for line in plan.stdout.splitlines() if "printf" in line and "/api/v1/docs/" in line]
    printed = run(["bash", "-c", line.lstrip("@")], BASE_DIR, developer_env(BIND="127.0.0.1:8000")).stdout
    readme = (BASE_DIR / "README.md").read_text()
    promised = readme.split("`make run` prints", 1)[1].split("\n\n", 2)[1]
    paths = set(re.findall(r"(/(?:api/v1/(?:docs/|schema/)?|admin/|healthz|readyz|metrics))", promised))
    assert {"/api/v1/docs/", "/api/v1/schema/", "/admin/", "/healthz", "/readyz", "/metrics"} <= paths
    for path in paths:
        assert f"http://127.0.0.1:8000{path}" in printed.split(), (path, printed)


CORS_PROBE = """
from django.test import Client
response = Client().options("/api/v1/", HTTP_HOST="localhost", HTTP_ORIGIN="{origin}",
                            HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
print(response.headers.get("Access-Control-Allow-Origin"))
"""


@pytest.mark.parametrize(
    ("debug", "origin", "allowed"),
    [
        ("true", "http://localhost:3000", True),
        ("true", "http://127.0.0.1:5173", True),
        ("true", "https://evil.example.com", False),
        ("false", "http://localhost:3000", False),
    ],
)
def test_in_development_a_localhost_front_end_may_call_the_api(debug, origin, allowed):
    env = production_env(DEBUG=debug, SECURE_SSL_REDIRECT="false")
    result = run([sys.executable, "manage.py", "shell", "-c", CORS_PROBE.format(origin=origin)], BASE_DIR, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (origin if allowed else "None")
