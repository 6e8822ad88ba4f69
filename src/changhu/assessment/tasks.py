"""The assessment workflow's daily job (``changhu run-deadlines``), run by ``changhu worker``."""

from __future__ import annotations

import datetime as dt

from changhu.assessment import services
from changhu.core import jobs


def run_deadlines(today: dt.date) -> services.DeadlineReport:
    return services.run_deadlines(today=today)


jobs.register_daily("assessment.deadlines", label="评估流程到期处理", run=run_deadlines, order=10)
