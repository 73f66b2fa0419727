# Sanxiang: two commands. `make run` serves the demo; `make test` passes the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK := $(VENV)/bin/flask --app api
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint bench install clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)  # demo mode: demo users allowed, a random secret key made once in instance/secret_key (0600)
	mkdir -p instance
	SANXIANG_DEMO=1 $(FLASK) setup-demo
	SANXIANG_DEMO=1 $(FLASK) serve --host 127.0.0.1 --port 5000

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(PY) bench/bench_complete.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache *.egg-info
