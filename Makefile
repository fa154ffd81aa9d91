# The two commands of README.md: `make run` and `make test`. What the site runs on is installed
# into .venv from requirements.lock; the tests add requirements-test.lock, so every machine gets
# the same versions and a server gets no test tools.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SITE_STAMP := $(VENV)/.site-stamp
TEST_STAMP := $(VENV)/.test-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast lint format install system test-system fonts setup serve lock messages clean

$(SITE_STAMP): requirements.lock pyproject.toml setup.py
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(SITE_STAMP)

$(TEST_STAMP): $(SITE_STAMP) requirements-test.lock
	$(PY) -m pip install --quiet -r requirements.lock -r requirements-test.lock
	touch $(TEST_STAMP)

install: $(SITE_STAMP)

# The Chinese fonts documents are set in (what the site needs beyond Python).
system:
	@.ci/system-packages site

# ... and what the tests need: Chromium, poppler-utils, gettext, the PostgreSQL client.
test-system:
	@.ci/system-packages site test

# The serif title face is rewritten as TrueType once per machine (about a minute; then cached):
# here, so that neither the first document nor the first test waits for it.
fonts: system $(SITE_STAMP)
	$(PY) manage.py shell --no-imports -c "from lianzheng.documents.fonts import load_fonts; load_fonts()"

setup: fonts
	$(PY) manage.py migrate --noinput
	$(PY) manage.py lianzheng_setup --demo

# The server, the task worker and a reminder sweep every minute; Ctrl-C stops all three.
run: setup
	$(PY) site/run.py $(HOST):$(PORT)

# Everything: the pure tier, the database tier and the browser tests, on every CPU (each
# worker its own test database; the tests of a bench group stay together).
test: test-system fonts $(TEST_STAMP)
	$(PY) -m pytest -n auto --dist loadgroup $(PYTEST_ARGS)

# The tests that need no database (the rules on hand-built facts, the calendar, line breaking,
# the chain's encoding, the diagram): seconds, for the edit-test loop.
test-fast: system $(TEST_STAMP)
	$(PY) -m pytest -m "not database" $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(TEST_STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Regenerate both pinned sets after changing dependencies in pyproject.toml: the site's alone,
# then what the tests add to it.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e .
	( echo "# What the site runs on, pinned (make run and a server install this alone; make test adds"; \
	  echo "# requirements-test.lock). Regenerate with 'make lock'."; \
	  .lock-venv/bin/pip freeze --exclude-editable | grep -v '^lianzheng' ) > requirements.lock
	.lock-venv/bin/pip install --quiet -e '.[test]'
	( echo "# What the tests and development add to requirements.lock (make test installs both; a server"; \
	  echo "# installs requirements.lock alone). Regenerate both with 'make lock'."; \
	  .lock-venv/bin/pip freeze --exclude-editable | grep -v '^lianzheng' \
	  | grep -vxF -f <(grep -v '^#' requirements.lock) ) > requirements-test.lock
	rm -rf .lock-venv

messages: $(TEST_STAMP)
	cd lianzheng && ../$(PY) ../manage.py makemessages -l zh_Hans -l en
	cd home && ../$(PY) ../manage.py makemessages -l zh_Hans -l en
	$(PY) manage.py compilemessages

clean:
	rm -rf $(VENV) static
