# syntax=docker/dockerfile:1
# Bookwork: `docker compose up` (see compose.yaml and docs/operations.md).

# --- build: dependencies into a virtualenv, static files collected -----------------------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
# Every dependency ships binary wheels (psycopg[binary] bundles libpq), so no compiler is needed.
# pgserver stays: its bundled PostgreSQL 16 client gives `manage.py backup` a pg_dump >= the server's.
COPY requirements.txt ./
RUN pip install --only-binary=:all: -r requirements.txt
COPY . .
# Settings demand a real key with DEBUG off; this one exists only for collectstatic at build time.
RUN SECRET_KEY=build-only-collectstatic-key-not-used-at-runtime-0123456789abcdef \
    DEBUG=false python manage.py collectstatic --noinput -v 0 \
 && python -m compileall -q bookwork accounts clubs events notifications

# --- runtime: the virtualenv and the app, run as an unprivileged user --------------------------
FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    READ_ENV_DEV=false \
    BIND=0.0.0.0:8000
RUN groupadd --system --gid 10001 bookwork \
 && useradd --system --uid 10001 --gid bookwork --home-dir /app --shell /usr/sbin/nologin bookwork
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
USER bookwork:bookwork
EXPOSE 8000
# Liveness only (no database): /readyz is for the orchestrator's traffic decisions. ALLOWED_HOSTS
# must keep 127.0.0.1 (the default list has it) for this probe to pass host validation.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "bookwork.wsgi"]
