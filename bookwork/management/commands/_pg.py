"""Helpers shared by the operators' commands: libpq environment and PostgreSQL client binaries.

(The leading underscore keeps Django from treating this module as a command.)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql


def server_major_version() -> int:
    """The major version of the PostgreSQL server Django is connected to (e.g. 16)."""
    connection.ensure_connection()
    return connection.pg_version // 10000


def binary_major_version(path: str) -> int | None:
    try:
        output = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10, check=False).stdout
    except OSError:
        return None
    match = re.search(r"\)\s+(\d+)", output) or re.search(r"(\d+)(?:\.\d+)?", output)
    return int(match.group(1)) if match else None


def candidate_binaries(name: str) -> list[str]:
    """Where a client binary may be, in order of preference: PG_BIN_DIR, PATH, the embedded server's."""
    found = []
    if settings.PG_BIN_DIR:
        found.append(str(Path(settings.PG_BIN_DIR) / name))
    on_path = shutil.which(name)
    if on_path:
        found.append(on_path)
    try:
        import pgserver

        found.append(str(Path(pgserver.__file__).parent / "pginstall" / "bin" / name))
    except ImportError:
        pass
    return [path for path in dict.fromkeys(found) if os.access(path, os.X_OK)]


def choose_binary(candidates: list[tuple[str, int | None]], server_major: int) -> str | None:
    """The first candidate whose major version is at least the server's (pg_dump refuses older
    servers' newer dumps the other way round: a pg_dump older than the server cannot dump it)."""
    for path, major in candidates:
        if major is not None and major >= server_major:
            return path
    return None


def find_binary(name: str) -> str:
    server_major = server_major_version()
    candidates = [(path, binary_major_version(path)) for path in candidate_binaries(name)]
    chosen = choose_binary(candidates, server_major)
    if chosen is None:
        found = ", ".join(f"{path} ({major})" for path, major in candidates) or "none"
        raise CommandError(
            f"no {name} of major version >= {server_major} (the server's) found; tried: {found}. "
            "Install the PostgreSQL client of that version or set PG_BIN_DIR."
        )
    return chosen


def libpq_env(dbname: str | None = None) -> dict[str, str]:
    """Environment for libpq tools reaching the configured database (no password on a command line)."""
    settings_dict = connection.settings_dict
    options = settings_dict.get("OPTIONS", {})
    env = dict(os.environ)
    values = {
        "PGHOST": settings_dict.get("HOST") or "",
        "PGPORT": str(settings_dict.get("PORT") or ""),
        "PGUSER": settings_dict.get("USER") or "",
        "PGPASSWORD": settings_dict.get("PASSWORD") or "",
        "PGDATABASE": dbname or settings_dict["NAME"],
        "PGSSLMODE": options.get("sslmode", ""),
        "PGCONNECT_TIMEOUT": str(options.get("connect_timeout", "")),
        # Dumps and restores take as long as they take: no statement timeout for these sessions.
        "PGOPTIONS": "-c statement_timeout=0",
        "PGAPPNAME": "bookwork-ops",
    }
    env.update({key: value for key, value in values.items() if value})
    return env


def _admin_connection() -> psycopg.Connection:
    """A connection of its own to the configured database, in autocommit (CREATE/DROP DATABASE
    cannot run inside a transaction)."""
    params = {key: value for key, value in connection.get_connection_params().items() if key != "cursor_factory"}
    return psycopg.connect(**params, autocommit=True)


def database_ensure(dbname: str) -> bool:
    """Create database `dbname` on the configured server unless it exists; True if it was created.

    Runs as the configured role, which therefore needs CREATEDB for a new name."""
    with _admin_connection() as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
            return False
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        except psycopg.Error as error:
            raise CommandError(
                f"database {dbname!r} does not exist and could not be created ({str(error).strip()}); "
                f"create it first: CREATE DATABASE {sql.Identifier(dbname).as_string(conn)};"
            ) from None
        return True


def database_drop(dbname: str) -> None:
    """Drop database `dbname` (one that `database_ensure` just created and nothing else uses)."""
    with _admin_connection() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(dbname)))
