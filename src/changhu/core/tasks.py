"""Core's daily job: give up import batches left in preview past the retention period."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from changhu.core import clock, jobs
from changhu.core.retention import purge_all


def purge_imports(today: dt.date) -> dict[str, int]:
    """As ``changhu purge-imports`` with the configured retention period."""
    return purge_all(before=clock.now() - dt.timedelta(days=settings.IMPORT_RETENTION_DAYS))


jobs.register_daily("core.purge_imports", label="清理过期导入数据", run=purge_imports, order=90)
