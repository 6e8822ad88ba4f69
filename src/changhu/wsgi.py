import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "changhu.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402

# A production server never starts without its keys (see settings.require_secrets).
if hasattr(settings, "MISSING_SECRETS") and settings.MISSING_SECRETS:
    from changhu.settings import require_secrets

    require_secrets()
