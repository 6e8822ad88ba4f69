import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changhu.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402

# A production server never starts without its keys (see settings.require_secrets).
if hasattr(settings, "MISSING_SECRETS") and settings.MISSING_SECRETS:
    from changhu.settings import require_secrets

    require_secrets()

# Build the URL configuration (and with it every API route and schema) now rather than on each
# worker's first request; under `gunicorn --preload` the forked workers share the result.
from django.db import connections  # noqa: E402
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018
connections.close_all()  # nothing above should connect, but a forked worker must not share one
