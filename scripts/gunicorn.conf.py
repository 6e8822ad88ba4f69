"""gunicorn's settings for the web server: scripts/serve.sh (`make serve`, `make demo`), the
production check (scripts/check_production.py) and the soak (benchmarks/soak.py) all run with
this file (`gunicorn -c scripts/gunicorn.conf.py changhu.wsgi:application`), so they measure
what is deployed. Options come from the environment (docs/configuration.md); an option given on
gunicorn's command line wins over this file.
"""

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = f"{os.environ.get('HOST') or '127.0.0.1'}:{_int('WEB_PORT', 8000)}"
workers = _int("WEB_WORKERS", 3)
worker_class = os.environ.get("WEB_WORKER_CLASS") or "gthread"
threads = _int("WEB_THREADS", 4)
timeout = 120
# The application is loaded once, before the workers fork: they share its code and answer
# their first request as fast as the rest.
preload_app = True

# A safety net against slow growth of a worker's memory (PDF layout, which once held a worker
# near 500 MB, now runs in a child process of its own: changhu.core.pdf): each worker is
# replaced, gracefully, after about this many requests; the jitter keeps the workers from being
# replaced at the same moment. 0 turns it off.
max_requests = _int("WEB_MAX_REQUESTS", 10000)
max_requests_jitter = _int("WEB_MAX_REQUESTS_JITTER", 1000)

accesslog = "-"
# Paths without query strings: a search by full ID number must not land in the access log.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
