# Two commands on a fresh machine: `make run` and `make test`.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
FLASK   := $(VENV)/bin/flask --app wsgi
PORT    ?= 5000
STAMP   := $(VENV)/.installed

.PHONY: install db run serve test test-fast e2e bench bench-smoke lint security clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Create or upgrade the database (SQLite in instance/ unless DATABASE_URL is set).
db: install
	$(FLASK) db upgrade

## Set everything up, load the demo on first run, serve on http://127.0.0.1:$(PORT)
run: db
	DEMO_MODE=1 $(FLASK) seed-demo --if-empty
	DEMO_MODE=1 $(FLASK) run --host 127.0.0.1 --port $(PORT)

## Production-like server (gunicorn, 2 workers)
serve: db
	$(VENV)/bin/gunicorn --workers 2 --bind 127.0.0.1:$(PORT) wsgi:app

## The whole suite (unit, web, browser). TEST_DATABASE_URL=postgresql+psycopg://… for PostgreSQL.
test: install
	$(VENV)/bin/pytest

test-fast: install
	$(VENV)/bin/pytest -m "not e2e"

e2e: install
	$(VENV)/bin/pytest -m e2e

bench: install
	$(PY) -m benchmarks.run

bench-smoke: install
	$(PY) -m benchmarks.run --smoke

lint: install
	$(VENV)/bin/ruff check .

security: install
	$(VENV)/bin/bandit -q -r contest judging registration -lll

clean:
	rm -rf $(VENV) .pytest_cache
