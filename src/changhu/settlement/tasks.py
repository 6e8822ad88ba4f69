"""Settlement's background work for ``changhu worker``: runs queued from the period page or
the API (``POST /periods/{id}/runs``)."""

from __future__ import annotations

from changhu.core import jobs
from changhu.settlement import services
from changhu.settlement.models import SettlementRun


def execute(run: SettlementRun, options: jobs.WorkerOptions) -> str:
    done = services.run_execute(run)
    return f"{run.period.month}结算计算（批次{done.pk}）完成，{done.line_count}条明细"


jobs.register_queue(
    "settlement.runs",
    label="结算计算",
    claim=services.claim_run,
    execute=execute,
    release=services.run_requeue,
)
