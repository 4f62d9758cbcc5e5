"""`.env.example` documents every environment variable the code reads."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READERS = re.compile(r"""(?:env_\w+|os\.environ\.get|os\.environ\[|os\.getenv)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")


def documented() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]+)=", line)
        if match:
            names.add(match.group(1))
    return names


def test_every_variable_read_by_settings_and_gunicorn_is_documented():
    sources = [ROOT / "bookwork" / "settings.py", ROOT / "gunicorn.conf.py", ROOT / "core" / "tracing.py"]
    read = {name for source in sources for name in READERS.findall(source.read_text())}
    assert {"DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "THROTTLE_RATES"} <= read
    assert {"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME", "HISTORY_RETENTION_DAYS"} <= read
    missing = read - documented() - {"DJANGO_SETTINGS_MODULE"}
    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_compose_variables_are_documented():
    compose = (ROOT / "compose.yaml").read_text()
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", compose))
    assert not used - documented(), sorted(used - documented())
