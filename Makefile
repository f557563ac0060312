# Tsunagari — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# The independent credential verifier (Node; tests/verifier/README.md), pinned by its lockfile.
VERIFIER_STAMP := tests/verifier/node_modules/.installed

.PHONY: run test install install-test lint format migrate seed bench clean messages cluster-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(STAMP)

$(VERIFIER_STAMP): tests/verifier/package-lock.json
	cd tests/verifier && npm ci --no-audit --no-fund --silent
	touch $@

install-test: $(TEST_STAMP) $(VERIFIER_STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

## Serve the site with demo content on http://127.0.0.1:$(PORT)/ (BASE_URL follows PORT, so
## printed URLs, QR codes and credentials point at this server).
run: seed
	BASE_URL=http://127.0.0.1:$(PORT) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## Lint, Django checks and the whole test suite (PostgreSQL when DATABASE_URL is set).
test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=tsunagari.settings.test $(BIN)/python manage.py check
	DJANGO_SETTINGS_MODULE=tsunagari.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

## Benchmarks (docs/benchmarks.md): every bench/*.py prints one JSON line into bench/results.jsonl.
## Uses PostgreSQL at BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/) when it answers.
## Load is driven by wrk (Debian package), installed here when missing (sudo unless root).
bench: install-test
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get install -y wrk || { $$SUDO apt-get update && $$SUDO apt-get install -y wrk; }; }
	@mkdir -p bench/.cache
	@: > bench/results.jsonl.new
	@failed=""; for script in bench/*.py; do \
		echo "== $$script" >&2; \
		if $(BIN)/python $$script > bench/.cache/last.jsonl; then \
			cat bench/.cache/last.jsonl | tee -a bench/results.jsonl.new; \
		else failed="$$failed $$script"; fi; \
	done; \
	mv bench/results.jsonl.new bench/results.jsonl; \
	if [ -n "$$failed" ]; then echo "failed:$$failed" >&2; exit 1; fi

## The multi-node deployment (tests/multinode, docs/scaling.md): HAProxy, two gunicorn nodes,
## PgBouncer, a PostgreSQL primary and standby, Redis and task workers on loopback, all started
## and stopped by the harness (needs haproxy, pgbouncer, redis-server, PostgreSQL's server
## binaries; wrk for the throughput figures). At most 15 minutes; 4–6.5 measured on a shared 2-vCPU machine.
cluster-test: install-test
	MULTINODE=1 timeout --kill-after=60 900 $(BIN)/pytest tests/multinode -s -q $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

## Update the English interface catalogue (needs GNU gettext: apt-get install gettext).
messages: install
	DJANGO_SETTINGS_MODULE=tsunagari.settings.dev $(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore='*/seed_content/*' --ignore=tests
	DJANGO_SETTINGS_MODULE=tsunagari.settings.dev $(BIN)/python manage.py compilemessages -l en -l ja --ignore=.venv
