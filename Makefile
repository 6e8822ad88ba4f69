# One command for every routine. `make demo` sets everything up and runs the product (the web
# server and the background worker, see Procfile); `make test` runs the whole suite (on SQLite,
# or on $DATABASE_URL when set).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
CHANGHU := $(VENV)/bin/changhu
HOST ?= 127.0.0.1
PORT ?= 8000
export CHANGHU_HOME := $(CURDIR)


.PHONY: setup demo serve worker test test-fast lint format bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock package.json package-lock.json scripts/setup.sh
	bash scripts/setup.sh
	touch $@

demo: setup
	CHANGHU_PROFILE=demo $(CHANGHU) migrate --noinput
	CHANGHU_PROFILE=demo $(CHANGHU) load-presets
	CHANGHU_PROFILE=demo $(CHANGHU) seed-demo
	CHANGHU_PROFILE=demo $(CHANGHU) demo-logins
	CHANGHU_PROFILE=demo HOST=$(HOST) WEB_PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

# The web server alone (the worker, if wanted, in another terminal: `make worker`).
serve: setup
	CHANGHU_PROFILE=$${CHANGHU_PROFILE:-demo} HOST=$(HOST) WEB_PORT=$(PORT) scripts/serve.sh

worker: setup
	CHANGHU_PROFILE=$${CHANGHU_PROFILE:-demo} $(CHANGHU) worker

test: setup
	$(VENV)/bin/pytest -n 2 --dist loadfile -p no:cacheprovider

test-fast: setup
	$(VENV)/bin/pytest -n 2 --dist loadfile -m "not browser and not slow" -p no:cacheprovider

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	CHANGHU_PROFILE=test $(CHANGHU) makemigrations --check --dry-run

format: setup
	$(VENV)/bin/ruff format src tests benchmarks
	$(VENV)/bin/ruff check --fix src tests benchmarks

bench: setup
	$(PY) benchmarks/import_insured.py --rows 100000

clean:
	rm -rf $(VENV) node_modules src/changhu/web/static/vendor var/static
