# Bookwork: `make run` serves the web app and the API with demo data, `make test` runs the whole suite.
# With DATABASE_URL unset both use the embedded PostgreSQL (pgserver, data under .data/).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
export DJANGO_SETTINGS_MODULE := bookwork.settings
export PYTHONWARNINGS ?= ignore::UserWarning:platformdirs.api

.PHONY: install db db-stop migrate run test lint format bench bench-ab fuzz soak clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

# .env.dev: DEBUG on and a generated key for manage.py, written once (bookwork/devenv.py).
.env.dev:
	$(PYTHON) -m bookwork.devenv $@

install: $(STAMP) .env.dev

db: install
	$(PY) -m bookwork.devdb start

db-stop: install
	$(PY) -m bookwork.devdb stop

migrate: db
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput

run: migrate
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo
	DEBUG=$${DEBUG:-true} $(PY) manage.py collectstatic --noinput -v 0
	@u=http://$${BIND:-127.0.0.1:8000}; printf '\nBookwork on %s\n  web app    %s/   (demo member: alice@example.com / %s)\n  API index  %s/api/v1/\n  API docs   %s/api/v1/docs/\n  schema     %s/api/v1/schema/\n  admin      %s/admin/   (admin@example.com)\n  probes     %s/healthz  %s/readyz\n  metrics    %s/metrics\n\n' $$u $$u "$${SEED_DEMO_PASSWORD:-bookwork-demo-2026}" $$u $$u $$u $$u $$u $$u $$u
	@# Ctrl-C: gunicorn answers every request it took, in flight or queued (SIGINT is a graceful stop,
	@# bookwork/graceful.py), and exits; then the embedded database stops too.
	@# The worker (emails: the console backend by default; reminders) runs beside gunicorn and is
	@# stopped with SIGTERM (it drains) when gunicorn exits, or when this shell exits at all (trap).
	DEBUG=$${DEBUG:-true} $(PY) manage.py worker & worker=$$!; trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; \
	DEBUG=$${DEBUG:-true} BIND=$${BIND:-127.0.0.1:8000} $(VENV)/bin/gunicorn -c gunicorn.conf.py bookwork.wsgi; \
	status=$$?; kill -TERM $$worker 2>/dev/null; wait $$worker; \
	[ -n "$${DATABASE_URL:-}" ] || $(PY) -m bookwork.devdb stop; exit $$status

# Tests run with production-like settings (DEBUG off) and a throwaway key, on two pytest-xdist
# workers (each gets its own test database). PYTEST_ARGS="tests/clubs -x -n0" narrows a run.
PYTEST_ARGS ?= -n 2
test: db
	DEBUG=false SECRET_KEY=$${SECRET_KEY:-test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz} \
	SECURE_SSL_REDIRECT=false LOG_LEVEL=$${LOG_LEVEL:-WARNING} \
	$(PY) -m pytest $(PYTEST_ARGS)

lint: db
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Load benchmark, API fuzzing and soak test (docs/performance.md). They use their own databases
# (bookwork_bench_*) on the same PostgreSQL server and a production-settings gunicorn on loopback.
bench: db
	@command -v wrk >/dev/null || { echo "make bench needs wrk: apt-get install -y wrk"; exit 1; }
	BENCH_QUICK=$${BENCH_QUICK:-} $(PY) -m bench.run

# The cost of tracing or of the audit history as an interleaved A/B (bench/ab.py; AB=none: an A/A), e.g.
# BENCH_TRACING_RATIO=0.1 make bench-ab AB=tracing
bench-ab: db
	@command -v wrk >/dev/null || { echo "make bench-ab needs wrk: apt-get install -y wrk"; exit 1; }
	$(PY) -m bench.ab $${AB:?AB=tracing, AB=audit or AB=none}

fuzz: db
	$(PY) -m bench.fuzz

soak: db
	SOAK_SECONDS=$${SOAK_SECONDS:-300} $(PY) -m bench.soak

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
