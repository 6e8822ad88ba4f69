# One command for every routine. `make demo` sets everything up and runs the product;
# `make test` runs the whole suite (on SQLite, or on $DATABASE_URL when set).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
CHANGHU := $(VENV)/bin/changhu
HOST ?= 127.0.0.1
PORT ?= 8000
export CHANGHU_HOME := $(CURDIR)
# Paths without query strings: a search by full ID number must not land in the access log.
ACCESS_LOG_FORMAT := '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


.PHONY: setup demo serve test test-fast lint format bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock package.json package-lock.json scripts/setup.sh
	bash scripts/setup.sh
	touch $@

demo: setup
	CHANGHU_PROFILE=demo $(CHANGHU) migrate --noinput
	CHANGHU_PROFILE=demo $(CHANGHU) load-presets
	CHANGHU_PROFILE=demo $(CHANGHU) seed-demo
	CHANGHU_PROFILE=demo $(CHANGHU) demo-logins
	CHANGHU_PROFILE=demo $(MAKE) --no-print-directory serve

serve: setup
	CHANGHU_PROFILE=$${CHANGHU_PROFILE:-demo} $(CHANGHU) collectstatic --noinput -v 0
	CHANGHU_PROFILE=$${CHANGHU_PROFILE:-demo} $(VENV)/bin/gunicorn changhu.wsgi:application \
	  --bind $(HOST):$(PORT) --workers $${WEB_WORKERS:-3} --worker-class $${WEB_WORKER_CLASS:-gthread} \
	  --threads $${WEB_THREADS:-4} --timeout 120 --preload \
	  --access-logfile - --access-logformat $(ACCESS_LOG_FORMAT)

test: setup
	$(VENV)/bin/pytest -n 2 --dist loadfile -p no:cacheprovider

test-fast: setup
	$(VENV)/bin/pytest -n 2 --dist loadfile -m "not browser" -p no:cacheprovider

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
