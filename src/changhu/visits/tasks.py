"""Visits' background work for ``changhu worker``: screening runs queued from the page or the
API, and the daily in-bed days of open stays."""

from __future__ import annotations

import datetime as dt

from changhu.core import jobs
from changhu.visits import screening, services
from changhu.visits.models import ScreeningRun


def execute(run: ScreeningRun, options: jobs.WorkerOptions) -> str:
    done = screening.execute(run.pk, workers=options.parallel)
    return f"{done.period}稽核（批次{done.pk}）完成，{done.findings_count}条疑点"


def fill_bed_days(today: dt.date) -> str:
    return f"新增在床日{services.bed_days_fill(through=today)}条"


jobs.register_queue(
    "visits.screening",
    label="稽核",
    claim=screening.claim_next,
    execute=execute,
    release=screening.requeue,
)
jobs.register_daily("visits.bed_days", label="生成在床日", run=fill_bed_days, order=30)
