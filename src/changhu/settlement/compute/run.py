"""A settlement run: claimed, computed chunk by chunk with its progress, resumed after a crash."""

from __future__ import annotations

import math
from collections.abc import Callable

from django.db import connection, transaction

from changhu.core import clock
from changhu.core.errors import Conflict
from changhu.providers.models import Institution
from changhu.settlement.compute._common import MAX_CHUNK_SIZE, MAX_CHUNKS, context_for
from changhu.settlement.compute.claims import compute_chunk, refresh_totals, supplement_lines
from changhu.settlement.compute.staging import Staging, stage
from changhu.settlement.models import (
    ClaimLine,
    PeriodStatus,
    RunChunk,
    RunStatus,
    SettlementPeriod,
    SettlementRun,
)

# --- a run ----------------------------------------------------------------------------------


def plan_chunks(run: SettlementRun) -> None:
    """Split the region's institutions into at most ``MAX_CHUNKS`` chunks (once per run)."""
    if run.chunks.exists():
        return
    ids = list(
        Institution.objects.filter(region_code__startswith=run.period.region_prefix)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    size = max(1, min(MAX_CHUNK_SIZE, math.ceil(len(ids) / MAX_CHUNKS))) if ids else 1
    chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
    RunChunk.objects.bulk_create(
        RunChunk(run=run, number=n, institution_ids=chunk) for n, chunk in enumerate(chunks, 1)
    )
    SettlementRun.objects.filter(pk=run.pk).update(total_chunks=len(chunks))
    run.total_chunks = len(chunks)


Progress = Callable[[int, int], None]


def _staged(run: SettlementRun) -> bool:
    """Whether the run's staging is there as it was built (unlogged tables are emptied by a
    database crash; a new process finds them, a fresh database does not)."""
    if run.staged_rows is None:
        return False
    with connection.cursor() as cursor:
        return Staging(run.pk).rows(cursor) == run.staged_rows


def execute(run: SettlementRun, *, progress: Progress | None = None) -> SettlementRun:
    """Stage the month (unless staged), compute the remaining chunks, then the supplementary
    lines and the totals, and drop the staging."""
    period = SettlementPeriod.objects.select_related("policy", "supplementary").get(
        pk=run.period_id
    )
    if period.status == PeriodStatus.PAID:
        raise Conflict("该结算期已拨付并锁定，不能重新计算", code="period_locked")
    now = clock.now()
    SettlementRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=run.started_at or now, heartbeat_at=now, error=""
    )
    SettlementPeriod.objects.filter(pk=period.pk).update(status=PeriodStatus.COMPUTING)
    plan_chunks(run)
    ctx = context_for(period)
    pending = list(run.chunks.filter(done=False).order_by("number"))
    if pending and not _staged(run):
        with transaction.atomic():
            rows = stage(run, ctx)
            SettlementRun.objects.filter(pk=run.pk).update(
                staged_rows=rows, heartbeat_at=clock.now()
            )
            run.staged_rows = rows
    done = run.total_chunks - len(pending)
    if progress:
        progress(done, run.total_chunks)
    for chunk in pending:
        with transaction.atomic():
            written = compute_chunk(run, ctx, list(chunk.institution_ids))
            RunChunk.objects.filter(pk=chunk.pk).update(
                done=True, line_count=written, done_at=clock.now()
            )
            done += 1
            SettlementRun.objects.filter(pk=run.pk).update(
                done_chunks=done, heartbeat_at=clock.now()
            )
        if progress:
            progress(done, run.total_chunks)
    with transaction.atomic():
        supplement_lines(period)
        refresh_totals(period)
        finished = clock.now()
        SettlementPeriod.objects.filter(pk=period.pk).update(
            status=PeriodStatus.CLAIMING, computed_at=finished
        )
        SettlementRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE,
            finished_at=finished,
            heartbeat_at=finished,
            line_count=ClaimLine.objects.filter(period=period).count(),
        )
        with connection.cursor() as cursor:
            Staging(run.pk).drop(cursor)
    run.refresh_from_db()
    return run


def drop_staging(run: SettlementRun) -> None:
    """Drop what a failed run staged (a resumed run stages again if it needs to)."""
    with connection.cursor() as cursor:
        Staging(run.pk).drop(cursor)
