"""The embedded development PostgreSQL (the `pgserver` package), used when DATABASE_URL is unset.

`python -m bookwork.devdb start` starts the server with its data under `.data/pg` (listening
only on a Unix socket there) if it is not running yet, and creates the `bookwork` database;
`stop` stops it; `url` prints the DATABASE_URL that settings use by default. With DATABASE_URL
set, `start` only makes sure that database exists, so the same Makefile serves both cases.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
PG_DIR = BASE_DIR / ".data" / "pg"
DATABASE = "bookwork"


def _ensure_database(conninfo: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"devdb: created database {name}")


def start() -> None:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        parts = urlsplit(url)
        name = unquote(parts.path.lstrip("/")) or DATABASE
        admin_url = parts._replace(path="/postgres").geturl()
        _ensure_database(admin_url, name)
        return
    import pgserver

    PG_DIR.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(PG_DIR, cleanup_mode=None)
    _ensure_database(f"host={PG_DIR} user=postgres dbname=postgres", DATABASE)
    print(f"devdb: embedded PostgreSQL running, data in {PG_DIR} ({server.get_uri()})")


def stop() -> None:
    import subprocess

    import pgserver

    pg_ctl = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_ctl"
    if (PG_DIR / "postmaster.pid").exists():
        # pgserver runs postgres as an unprivileged user when we are root; pg_ctl must match.
        owner = PG_DIR.stat().st_uid
        cmd = [str(pg_ctl), "-D", str(PG_DIR), "-m", "fast", "stop"]
        if os.geteuid() == 0 and owner != 0:
            import pwd

            cmd = ["su", pwd.getpwuid(owner).pw_name, "-s", "/bin/sh", "-c", " ".join(cmd)]
        subprocess.run(cmd, check=False)


def url() -> None:
    print(f"postgres://postgres@{str(PG_DIR).replace('/', '%2F')}/{DATABASE}")


if __name__ == "__main__":
    commands = {"start": start, "stop": stop, "url": url}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: python -m bookwork.devdb {{{'|'.join(commands)}}}")
    commands[sys.argv[1]]()
