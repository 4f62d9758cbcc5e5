"""The development settings file of a checkout: `.env.dev`, read by `manage.py` only.

`make install` (and so `make run` and `make test`) runs `python -m bookwork.devenv .env.dev`,
which writes the file once, when it does not exist: `DEBUG=true` and a freshly generated
`SECRET_KEY`. `manage.py` then loads it, so the README's commands (`.venv/bin/python manage.py
createsuperuser`, `shell`, ...) work in a fresh checkout without exporting anything.

Why it cannot leak into production:
- only `manage.py` reads it: gunicorn (`bookwork.wsgi`) and the test suite never do;
- a variable already in the environment always wins over the file;
- the Docker image sets `READ_ENV_DEV=false` (and `.dockerignore` keeps `.env.*` out of it);
- it is not `.env`, the file docker compose feeds to production containers.

Stdlib only for writing (it runs before the virtualenv exists).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_ENV_FILE = BASE_DIR / ".env.dev"

HEADER = """\
# Development settings of this checkout, written once by `make install` (bookwork/devenv.py).
# Read by manage.py only, never by gunicorn; variables set in the environment win.
# Not for production: docker compose reads `.env` (a copy of .env.example), not this file.
"""


def write(path: Path) -> bool:
    """Create `path` with DEBUG on and a new 64-byte key unless it exists; True if written."""
    if path.exists():
        return False
    body = f"{HEADER}DEBUG=true\nSECRET_KEY={secrets.token_urlsafe(64)}\n"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # the key is a secret
    with os.fdopen(descriptor, "w") as handle:
        handle.write(body)
    return True


def load(path: Path = DEV_ENV_FILE) -> bool:
    """Put the file's variables into the environment, never overriding one that is set; True if read.

    Skipped when the file does not exist or when READ_ENV_DEV is false."""
    from bookwork.config import env_bool

    if not env_bool("READ_ENV_DEV", True) or not path.is_file():
        return False
    import environ

    environ.Env.read_env(str(path), overwrite=False)
    return True


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEV_ENV_FILE
    if write(target):
        print(f"devenv: wrote {target} (DEBUG=true, a generated SECRET_KEY) for manage.py")
