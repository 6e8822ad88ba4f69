#!/usr/bin/env bash
# The web server: gunicorn on $HOST:$WEB_PORT, for `make serve` and the Procfile's `web`
# (`make demo`). Options come from the environment (docs/configuration.md) through
# scripts/gunicorn.conf.py.
set -euo pipefail
cd "$(dirname "$0")/.."
export CHANGHU_PROFILE="${CHANGHU_PROFILE:-demo}"

.venv/bin/changhu collectstatic --noinput -v 0
exec .venv/bin/gunicorn changhu.wsgi:application --config scripts/gunicorn.conf.py
