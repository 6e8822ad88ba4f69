"""Reports' background work for ``changhu worker``: runs asked for on the page or the API."""

from __future__ import annotations

from changhu.core import jobs
from changhu.reports import services
from changhu.reports.models import ReportRun


def execute(run: ReportRun, options: jobs.WorkerOptions) -> str:
    done = services.run_execute(run)
    return f"{done}生成完成"


jobs.register_queue(
    "reports.runs",
    label="统计报表",
    claim=services.claim_next,
    execute=execute,
    release=services.requeue,
)
