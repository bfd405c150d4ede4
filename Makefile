# Tỉnh số: `make demo` runs the platform with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/tinhso
PYTEST_ARGS ?=

.PHONY: demo test test-sqlite test-postgres test-api lint assets messages browser clean

# The demo looks like production: DEBUG off (error pages in Vietnamese, never Django's technical pages); the
# platform still serves its static files and the public media itself.
DEMO_ENV := TINHSO_DEMO=1 DEBUG=0

demo: $(BIN)/tinhso assets messages
	mkdir -p var
	$(DEMO_ENV) $(BIN)/tinhso migrate --no-input -v0
	$(DEMO_ENV) $(BIN)/tinhso load-demo
	$(DEMO_ENV) $(BIN)/tinhso signing init-demo-ca
	$(DEMO_ENV) $(BIN)/tinhso run_huey --quiet & trap "kill $$! 2>/dev/null" EXIT INT TERM; \
	  $(DEMO_ENV) $(BIN)/tinhso runserver 127.0.0.1:8000

test: $(BIN)/tinhso assets messages browser lint test-sqlite test-api
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
	  $(MAKE) --no-print-directory test-postgres; \
	elif [ "$$CI" = true ]; then echo "PostgreSQL does not answer on 127.0.0.1:5432: on CI the suite must run on both." >&2; exit 1; \
	else echo "PostgreSQL does not answer on 127.0.0.1:5432: the suite ran on SQLite only."; fi

test-sqlite:
	@echo "== test suite on SQLite"
	DATABASE_URL= TINHSO_ENV=test $(BIN)/pytest -n 2 $(PYTEST_ARGS)

# Schemathesis over the whole API as a citizen, an officer and a leader: any 5xx or answer that breaks the
# published OpenAPI document fails. Bounded: FUZZ_EXAMPLES generated cases per operation and role.
FUZZ_EXAMPLES ?= 3
test-api:
	@echo "== schemathesis over the API (three roles, $(FUZZ_EXAMPLES) examples per operation)"
	DATABASE_URL= TINHSO_ENV=test FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -n 2 -q fuzz

test-postgres:
	@echo "== test suite on PostgreSQL"
	DATABASE_URL=$(PG_URL) TINHSO_ENV=test $(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: $(BIN)/tinhso
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

$(BIN)/tinhso: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed
	node frontend/build.mjs

messages: $(BIN)/tinhso
	$(BIN)/python scripts/compile_messages.py

# Browser tests drive Debian's Chromium; install it when missing and we may (root, as on CI machines).
# GNU gettext's xgettext lets test_english find every marked text without English; installed likewise.
# SoftHSM2 is the software token the PKCS#11 signing profile is tested against; installed likewise.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq chromium >/dev/null); } \
	  || echo "Chromium is not installed and cannot be installed here: browser tests will be skipped."
	@command -v xgettext >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq gettext >/dev/null); } \
	  || echo "GNU gettext is not installed and cannot be installed here: the English catalogue check will be skipped."
	@command -v softhsm2-util >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq softhsm2 >/dev/null); } \
	  || echo "SoftHSM2 is not installed and cannot be installed here: the PKCS#11 signing tests will be skipped."

clean:
	rm -rf $(VENV) node_modules tinhso/web/static/web/dist var staticfiles
