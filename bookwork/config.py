"""Reading configuration from the environment, with errors that name the variable.

Every setting of Bookwork comes from an environment variable (see `.env.example`). A value that
cannot be parsed raises `ConfigError`, whose message is one line naming the variable, so that
`manage.py`, gunicorn and the WSGI entry point can stop with that line instead of a traceback.
"""

from __future__ import annotations

import os
import sys
from typing import Any
from urllib.parse import unquote, urlsplit

import environ

_env = environ.Env()


class ConfigError(Exception):
    """A configuration variable is missing or has a value that cannot be used."""


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean (use true or false)")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not an integer") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name}={number} must be at least {minimum}")
    return number


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a number") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name}={number} must be at least {minimum}")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = env_str(name, default).lower()
    if value not in choices:
        raise ConfigError(f"{name}={value!r} must be one of {', '.join(sorted(choices))}")
    return value


def env_database(name: str, default: str) -> dict[str, Any]:
    """Parse a PostgreSQL URL (`postgres://user:pass@host:port/db` or a socket URL)."""
    url = _raw(name) or default
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        # Name the scheme (never the rest: it may carry a password).
        got = f"scheme {parts.scheme + '://'!r}" if parts.scheme else "no scheme"
        raise ConfigError(f"{name} must be a postgres:// URL (postgres://user:pass@host:5432/db), got {got}")
    try:
        config = _env.db_url_config(url)
    except ValueError as error:  # e.g. a port that is not a number
        raise ConfigError(f"{name} is not a valid postgres:// URL ({error})") from None
    # A Unix-socket directory may be given percent-encoded in the host part.
    config["HOST"] = unquote(str(config.get("HOST") or ""))
    if not config.get("NAME"):
        raise ConfigError(f"{name} names no database (expected postgres://user@host:port/dbname)")
    return config


def env_email(name: str, default: str) -> dict[str, Any]:
    """Parse django-environ's email URL (`smtp://user:pass@host:587`, `smtp+tls://...` for
    STARTTLS, `smtp+ssl://...` for implicit TLS, `consolemail://`) into Django's EMAIL_* settings."""
    url = _raw(name) or default
    scheme = urlsplit(url).scheme
    if scheme not in _env.EMAIL_SCHEMES:
        raise ConfigError(f"{name} must be one of {', '.join(sorted(_env.EMAIL_SCHEMES))}:// URLs, got {scheme!r}")
    try:
        config = _env.email_url_config(url)
    except ValueError as error:  # e.g. a port that is not a number
        raise ConfigError(f"{name} is not a valid email URL ({error})") from None
    return {key: value for key, value in config.items() if value not in (None, "")}


def env_url(name: str, default: str = "") -> str:
    """An absolute http(s) URL without its trailing slash (empty when unset and no default)."""
    value = env_str(name, default).rstrip("/")
    if value and (urlsplit(value).scheme not in {"http", "https"} or not urlsplit(value).netloc):
        raise ConfigError(f"{name}={value!r} is not an http:// or https:// URL")
    return value


# Default throttle rates per scope (THROTTLE_RATES overrides any of them): sign-in per IP and per
# account, register per IP, the per-user budget, anonymous callers per IP, and invite codes
# (preview and accept, clubs/joining/throttling.py) per user and per client IP.
DEFAULT_THROTTLE_RATES = {
    "login": "10/min",
    "login_email": "5/min",
    "register": "30/hour",
    "user": "2000/min",
    "anon": "300/min",
    "invite_code": "20/min",
    "invite_code_ip": "60/min",
    "calendar_feed": "60/min",  # per feed address
}


def env_rates(name: str, default: dict[str, str]) -> dict[str, str]:
    """Parse `scope=N/period,...` (period: s, sec, m, min, h, hour, d, day) into DRF throttle rates."""
    rates = dict(default)
    value = _raw(name)
    if value is None:
        return rates
    for item in value.split(","):
        if not item.strip():
            continue
        scope, sep, rate = item.partition("=")
        count, slash, period = rate.strip().partition("/")
        if not sep or not slash or not count.strip().isdigit() or not period.strip():
            raise ConfigError(f"{name}: {item.strip()!r} is not of the form scope=N/period")
        if period.strip()[0] not in "smhd":
            raise ConfigError(f"{name}: period of {item.strip()!r} must be s, m, h or d")
        rates[scope.strip()] = f"{count.strip()}/{period.strip()}"
    return rates


def exit_on_config_error(error: ConfigError) -> None:
    """Stop the process with the one-line message of a configuration error."""
    sys.stderr.write(f"configuration error: {error}\n")
    raise SystemExit(2)
