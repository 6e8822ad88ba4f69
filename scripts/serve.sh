#!/usr/bin/env bash
# The web server: gunicorn on $HOST:$WEB_PORT, for `make serve` and the Procfile's `web`
# (`make demo`). Options come from the environment (docs/configuration.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export CHANGHU_PROFILE="${CHANGHU_PROFILE:-demo}"
# Paths without query strings: a search by full ID number must not land in the access log.
ACCESS_LOG_FORMAT='%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

.venv/bin/changhu collectstatic --noinput -v 0
exec .venv/bin/gunicorn changhu.wsgi:application \
  --bind "${HOST:-127.0.0.1}:${WEB_PORT:-8000}" \
  --workers "${WEB_WORKERS:-3}" --worker-class "${WEB_WORKER_CLASS:-gthread}" \
  --threads "${WEB_THREADS:-4}" --timeout 120 --preload \
  --access-logfile - --access-logformat "$ACCESS_LOG_FORMAT"
