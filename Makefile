# Two commands: `make run` (set up everything, serve the demo) and `make test` (SQLite, then PostgreSQL).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 5000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: install pango run test test-sqlite test-postgres screenshots chromium lint bench load clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(MAKE) --no-print-directory pango
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# WeasyPrint (the monthly report's PDF) draws its text with Pango; the tests read the PDF back with poppler's
# pdftotext / pdfinfo. Debian's packages, installed when missing.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 poppler-utils
pango:
	@dpkg -s $(PDF_PACKAGES) >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(PDF_PACKAGES); }

# Debian's Chromium drives the browser tests (Playwright never downloads a browser here).
chromium:
	@test -x /usr/bin/chromium || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

run: install
	SESSION_COOKIE_SECURE=0 $(PY) -m sched init-db
	SESSION_COOKIE_SECURE=0 $(PY) -m sched demo
	SESSION_COOKIE_SECURE=0 $(PY) -m sched run --port $(PORT)

test: install chromium test-sqlite test-postgres

test-sqlite:
	@echo "=== Test suite on SQLite ==="
	$(PY) -m pytest $(PYTEST_ARGS)

# The database-independent solver tests ran above; the PostgreSQL pass runs everything that touches a database.
# The probe asks the server of PG_TEST_URL itself. When it does not answer, CI=true fails the run (a green CI must
# mean both databases passed); elsewhere the pass is skipped under a banner that cannot be missed.
test-postgres:
	@if where=$$($(PY) -m tests.pg_probe "$(PG_TEST_URL)"); then \
	  echo "=== Test suite on PostgreSQL ($$where) ==="; \
	  TEST_DATABASE_URL="$(PG_TEST_URL)" $(PY) -m pytest --ignore=tests/solver $(PYTEST_ARGS); \
	elif [ "$(CI)" = true ]; then \
	  echo "=== CI=true and PostgreSQL does not answer: the PostgreSQL pass FAILS ===" >&2; exit 1; \
	else \
	  echo; \
	  echo "!!! PostgreSQL pass SKIPPED: only SQLite was tested."; \
	  echo "!!! Start PostgreSQL or set PG_TEST_URL; under CI=true this skip is a failure."; \
	  echo; \
	fi

# The committed screenshots of docs/screenshots: `make test` writes them to tests/e2e/artifacts/screenshots
# (ignored), this command alone rewrites the committed ones.
screenshots: install chromium
	SNP_SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest tests/e2e $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: install
	$(PY) -m solver bench

# The regulators' list under 20 concurrent clients (docs/benchmarks.md); ApacheBench is the C load generator.
load: install
	@test -x /usr/bin/ab || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq apache2-utils; }
	$(PY) -m tests.load.regulation_load --requests 3000

clean:
	rm -rf $(VENV) instance .pytest_cache
