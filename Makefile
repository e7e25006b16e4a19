# Two commands for a newcomer: `make run` and `make test`. Both bootstrap .venv.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/portal
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-postgres test-sqlite lint venv browser postgres clean date-sweep test-cluster

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

venv: $(BIN)/.installed

run: venv
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py run_portal --host $(HOST) --port $(PORT)

# Debian's Chromium for the Playwright browser tests (Playwright's own download is not used).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

postgres:
	@pg_isready -q -h 127.0.0.1 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done

lint: venv
	$(BIN)/ruff check .

test-postgres: venv browser postgres
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q $(PYTEST_ARGS)

# SQLite is the embedded default; the suite runs there too, except what needs PostgreSQL's
# row locks and real concurrency.
test-sqlite: venv browser
	DATABASE_URL=sqlite:///$(CURDIR)/test-run.sqlite3 $(BIN)/pytest -q -m "not postgres" $(PYTEST_ARGS)

test: lint test-postgres test-sqlite

# Three hosts on this machine (network namespaces): PostgreSQL on one, gunicorn and a qcluster
# on each of two more, a proxy in front; one host is cut off mid-campaign, then a rolling
# restart (docs/deployment.md). Needs root and iproute2; not part of `make test`.
test-cluster: venv postgres
	DATABASE_URL=sqlite:///$(CURDIR)/test-run.sqlite3 $(BIN)/pytest -q -s -m cluster tests/cluster $(PYTEST_ARGS)

# No test may depend on the day it runs: the loop and whole-suite days under faketime
# (docs/testing.md). SWEEP_ARGS e.g. "--part loop --db sqlite --days 3".
date-sweep: venv browser postgres
	$(BIN)/python bin/date-sweep $(SWEEP_ARGS)

clean:
	rm -rf $(VENV) portal.sqlite3* test_portal.sqlite3* staticfiles
