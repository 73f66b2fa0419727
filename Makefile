# Sanxiang: two commands. `make run` serves the demo; `make test` passes the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK := $(VENV)/bin/flask --app api
STAMP := $(VENV)/.installed

ASSETS := api/static/dist/manifest.json
NPM_STAMP := node_modules/.installed

.PHONY: run test test-sqlite test-postgres lint bench bench-quick install assets browser-deps clean serve-production worker \
  scheduler

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# the front end: bpmn-js, dmn-js, form-js, chart.js and axe-core from npm (package-lock.json), built by Vite into
# api/static/dist (not committed). Needs Node.js >= 20.19 and npm.
# (npm install, not npm ci: npm 11 refuses `ci` over vite's Windows-only optional dependency that no lock file
# records; install keeps to package-lock.json all the same). No install scripts are needed or run.
$(NPM_STAMP): package.json package-lock.json
	npm install --no-audit --no-fund --ignore-scripts
	touch $(NPM_STAMP)

$(ASSETS): $(NPM_STAMP) frontend/vite.config.js $(shell find frontend/src -type f 2>/dev/null)
	npm run build

assets: $(ASSETS)

# the browser tests drive Debian's chromium (Playwright's own browser download does not work here), with a CJK
# font so the screenshots show the Chinese pages
browser-deps:
	test -x /usr/bin/chromium || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)
	test -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-wqy-microhei || \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-wqy-microhei)

run: $(STAMP) $(ASSETS)  # demo mode: demo users allowed, a random secret key made once in instance/secret_key (0600)
	mkdir -p instance
	SANXIANG_DEMO=1 $(FLASK) setup-demo
	SANXIANG_DEMO=1 $(FLASK) serve --host 127.0.0.1 --port 5000

test: $(STAMP) $(ASSETS) browser-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# production (README "Production"): SANXIANG_DATABASE_URL (PostgreSQL), SANXIANG_SECRET_KEY, SANXIANG_REDIS_URL set.
# The web: the schema upgraded first, then gunicorn with WORKERS processes on BIND; the jobs: `make worker`
# (Celery workers, JOB_WORKERS processes) and one `make scheduler`, each its own long-running service.
WORKERS ?= 4
BIND ?= 127.0.0.1:8000
JOB_WORKERS ?= 2
serve-production: $(STAMP) $(ASSETS)
	$(FLASK) init-db
	SANXIANG_WEB_WORKERS=$(WORKERS) SANXIANG_BIND=$(BIND) $(VENV)/bin/gunicorn -c python:api.gunicorn_conf 'api:create_app()'

worker: $(STAMP)
	$(FLASK) worker --concurrency $(JOB_WORKERS)

scheduler: $(STAMP)
	$(FLASK) scheduler

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# benchmarks (bench/, README "Performance"): each prints its figures beside issue 10's goals, none asserts a time.
# They make their own PostgreSQL databases on 127.0.0.1:5432 and drop them; timer lateness is printed by load_fault.py
# (and measured alone by bench/timer_lateness.py where present). BENCH_ARGS_<NAME> adds flags, e.g.
# `make bench BENCH_ARGS_VERIFY="--instances 1000"`; `make bench-quick` runs smaller versions of the long ones.
BENCH_ARGS_STEPS ?=
BENCH_ARGS_INBOX ?=
BENCH_ARGS_VERIFY ?=
BENCH_ARGS_SERVING ?=
BENCH_ARGS_FAULT ?=
bench: $(STAMP)
	$(PY) bench/bench_steps.py $(BENCH_ARGS_STEPS)
	$(PY) bench/bench_inbox.py $(BENCH_ARGS_INBOX)
	$(PY) bench/bench_verify.py $(BENCH_ARGS_VERIFY)
	$(PY) bench/bench_serving.py $(BENCH_ARGS_SERVING)
	$(PY) bench/load_fault.py $(BENCH_ARGS_FAULT)
	$(PY) bench/bench_instructions.py

bench-quick: $(STAMP)
	$(MAKE) bench BENCH_ARGS_STEPS="--cases 3 --loop-cases 1" BENCH_ARGS_INBOX="--repeat 10" \
	  BENCH_ARGS_VERIFY="--instances 500" BENCH_ARGS_SERVING="--seconds 10" BENCH_ARGS_FAULT="--seconds 30"

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache *.egg-info node_modules api/static/dist
