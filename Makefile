# The two commands of README.md: `make run` and `make test`. Everything they need is installed
# into .venv from requirements.lock, so every machine gets the same versions.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format install system setup serve lock messages clean

$(STAMP): requirements.lock pyproject.toml setup.py
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Chromium, the Chinese fonts documents are set in, poppler-utils, gettext (see the script).
system:
	@.ci/system-packages

setup: system $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py lianzheng_setup --demo

run: setup
	$(PY) manage.py runserver $(HOST):$(PORT)

test: system $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# Regenerate the pinned set after changing dependencies in pyproject.toml.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[test]'
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^lianzheng' > requirements.lock
	rm -rf .lock-venv

messages: $(STAMP)
	cd lianzheng && ../$(PY) ../manage.py makemessages -l zh_Hans -l en
	cd home && ../$(PY) ../manage.py makemessages -l zh_Hans -l en
	$(PY) manage.py compilemessages

clean:
	rm -rf $(VENV) static
