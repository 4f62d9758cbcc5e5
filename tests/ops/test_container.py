"""Docker does not run here: these tests read Dockerfile and compose.yaml and check the wiring."""

import re

import pytest
import yaml

from tests.ops.servers import BASE_DIR


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), split into build stages."""
    text = (BASE_DIR / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)
    result: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            result.append([])
        if result:
            result[-1].append(line)
    return result


def _instructions(stage: list[str], keyword: str) -> list[str]:
    return [line for line in stage if line.upper().startswith(keyword + " ")]


def test_dockerfile_is_multi_stage_on_a_slim_python(stages):
    assert len(stages) >= 2
    for stage in stages:
        assert re.match(r"FROM python:3\.11-slim", stage[0])
    assert " AS " in stages[0][0].upper()


def test_final_image_runs_as_an_unprivileged_user(stages):
    final = stages[-1]
    users = _instructions(final, "USER")
    assert users, "the final stage must switch user"
    user = users[-1].split()[1].split(":")[0]
    assert user not in {"root", "0"}
    cmd_index = final.index(_instructions(final, "CMD")[-1])
    assert final.index(users[-1]) < cmd_index


def test_final_image_has_no_build_tools_and_copies_from_the_build_stage(stages):
    final = " ".join(stages[-1])
    for tool in ("build-essential", "gcc", "apt-get install", "libpq-dev", "pip install"):
        assert tool not in final
    assert "COPY --from=build /opt/venv" in final


def test_static_files_are_collected_at_build_and_served_by_whitenoise(stages):
    from bookwork import settings as production  # the module as loaded with DEBUG off, before test overrides

    build = " ".join(line for stage in stages[:-1] for line in stage)
    assert "collectstatic --noinput" in build
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in production.MIDDLEWARE
    assert production.STORAGES["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_final_image_has_a_healthcheck_and_runs_gunicorn(stages):
    final = stages[-1]
    (healthcheck,) = _instructions(final, "HEALTHCHECK")
    assert "/healthz" in healthcheck
    cmd = _instructions(final, "CMD")[-1]
    assert '"gunicorn", "-c", "gunicorn.conf.py", "bookwork.wsgi"' in cmd
    assert any("BIND=0.0.0.0:8000" in line for line in _instructions(final, "ENV"))


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = set((BASE_DIR / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".data", ".env", "staticfiles"} <= ignored


def test_compose_services(compose):
    assert set(compose["services"]) == {"db", "redis", "migrate", "app", "worker", "proxy"}


def test_postgres_16_with_a_volume_and_a_tcp_healthcheck(compose):
    db = compose["services"]["db"]
    assert db["image"].startswith("postgres:16")
    (volume,) = db["volumes"]
    name, mount = volume.split(":", 1)
    assert mount == "/var/lib/postgresql/data"
    assert name in compose["volumes"]
    test = " ".join(db["healthcheck"]["test"])
    assert "pg_isready" in test
    assert "-h 127.0.0.1" in test  # without -h it passes while the server is still initialising
    assert "env_file" not in db  # the app's secrets do not go to the database container


def test_redis_is_there_with_a_healthcheck(compose):
    redis = compose["services"]["redis"]
    assert redis["image"].startswith("redis:")
    assert "ping" in " ".join(redis["healthcheck"]["test"])


def test_one_shot_migrate_service(compose):
    migrate = compose["services"]["migrate"]
    command = " ".join(migrate["command"])
    assert command == "python manage.py migrate --noinput"  # the whole database setup, cache table included
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"


def test_app_waits_for_healthy_database_and_redis_and_completed_migrations(compose):
    app = compose["services"]["app"]
    conditions = {name: spec["condition"] for name, spec in app["depends_on"].items()}
    assert conditions == {
        "db": "service_healthy",
        "redis": "service_healthy",
        "migrate": "service_completed_successfully",
    }
    assert "command" not in app  # the image's CMD: gunicorn -c gunicorn.conf.py
    assert int(app["stop_grace_period"].rstrip("s")) > 20  # longer than gunicorn's graceful_timeout


def test_app_is_reached_only_through_the_buffering_proxy(compose):
    app, proxy = compose["services"]["app"], compose["services"]["proxy"]
    assert "ports" not in app and [str(port) for port in app["expose"]] == ["8000"]
    assert proxy["image"].startswith("nginx:")
    assert [str(port) for port in proxy["ports"]] == ["${APP_PORT:-8000}:8080"]
    assert proxy["volumes"] == ["./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro"]
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"  # the image's HEALTHCHECK
    assert compose["x-bookwork"]["environment"]["NUM_PROXIES"] == "1"  # client IPs from X-Forwarded-For
    # .env.example's BIND (127.0.0.1, for a host) must not keep the proxy out of the container.
    assert compose["x-bookwork"]["environment"]["BIND"] == "0.0.0.0:8000"
    assert proxy["depends_on"]["app"]["restart"] is True  # nginx resolves `app` once
    assert int(proxy["stop_grace_period"].rstrip("s")) > int(app["stop_grace_period"].rstrip("s"))


def test_nginx_config_matches_the_app_limits():
    from bookwork import settings as production

    conf = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    directives = dict(
        line.strip().rstrip(";").split(None, 1)
        for line in conf.splitlines()
        if line.strip().startswith(("proxy_", "client_"))
    )
    assert directives["proxy_pass"] == "http://bookwork_app"
    assert re.search(r"upstream bookwork_app \{\s*server app:8000 [^;]*;\s*\}", conf)
    # A request that never reached an instance (it restarts) goes to the next one.
    assert directives["proxy_next_upstream"] == "error timeout"
    assert directives["proxy_buffering"] == "on" and directives["proxy_request_buffering"] == "on"
    gunicorn_timeout = 30  # gunicorn.conf.py default (GUNICORN_TIMEOUT)
    assert int(directives["proxy_read_timeout"].rstrip("s")) > gunicorn_timeout
    # The same cap as the app's: nginx refuses larger bodies itself (in JSON), before the app sees them.
    assert int(directives["client_max_body_size"].rstrip("m")) * 1024 * 1024 == production.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_worker_runs_the_worker_command_after_migrations_and_drains_on_stop(compose):
    worker = compose["services"]["worker"]
    assert worker["command"] == ["python", "manage.py", "worker"]
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert worker["depends_on"]["db"]["condition"] == "service_healthy"
    grace = int(worker["stop_grace_period"].rstrip("s"))
    from bookwork import settings as production

    assert grace > production.WORKER_SHUTDOWN_TIMEOUT_SECONDS  # jobs finish before SIGKILL
    assert "procrastinate" in worker["healthcheck"]["test"]


@pytest.mark.parametrize("service", ["app", "migrate", "worker"])
def test_settings_come_from_the_env_file_and_addresses_from_compose(compose, service):
    spec = compose["services"][service]
    assert spec["env_file"] == ".env"
    assert spec["build"] == "."
    env = spec["environment"]
    assert re.match(r"postgres://.+@db:5432/", env["DATABASE_URL"])
    assert env["REDIS_URL"].startswith("redis://redis:6379/")
