"""Every write of the reports app: asking for a run, and executing one (the worker, the command
line, the demo)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from changhu.core import audit, clock, runs, scope
from changhu.core.errors import Conflict, NotFound, field_error
from changhu.orgs.roles import Right
from changhu.reports import compute, definitions
from changhu.reports.models import ReportDefinition, ReportRun

STALE_AFTER = dt.timedelta(minutes=10)
ALL_RIGHTS = "*"


class ReportUnknown(NotFound):
    code = "report_unknown"
    message = "没有这张统计报表"


def definition_for(code: str, window) -> ReportDefinition:
    """The version of report ``code`` in force on the window's last day (or its first version,
    for a period before it took effect)."""
    definitions.ensure_loaded()
    found = definitions.in_force(code, window.last) or (
        ReportDefinition.objects.filter(code=code).order_by("effective_from", "id").first()
    )
    if found is None:
        raise ReportUnknown(f"没有代码为{code}的统计报表", fields={"name": "未知的报表"})
    return found


def _definition_and_window(code: str, period: str):
    definitions.ensure_loaded()
    latest = ReportDefinition.objects.filter(code=(code or "").strip()).order_by("-id").first()
    if latest is None:
        raise ReportUnknown(f"没有代码为{code}的统计报表", fields={"name": "未知的报表"})
    window = compute.window_for(latest.period_kind, period)
    return definition_for(latest.code, window), window


def _district(s: scope.Scope, definition: ReportDefinition, district: str) -> str:
    from changhu.orgs.models import Region, RegionLevel

    district = (district or "").strip()
    if not district:
        return ""
    if "district" not in definition.definition.get("filters", []):
        raise field_error("district", "district_invalid", "该报表不能按区县筛选")
    is_district = Region.objects.filter(code=district, level=RegionLevel.DISTRICT).exists()
    if not is_district or not s.covers_region(district):
        raise field_error("district", "district_invalid", "请选择您管辖范围内的区县")
    return district


@transaction.atomic
def report_run_request(
    *, actor, code: str, period: str, district: str = "", source: str = "web"
) -> ReportRun:
    """Queue a report for a period, over the requester's regions (or one district of them);
    the worker computes it. The run keeps the definition version it will use."""
    s = scope.require(actor, Right.REPORTS_RUN)
    definition, window = _definition_and_window(code, period)
    run = ReportRun.objects.create(
        definition=definition,
        period=window.period,
        as_of=window.end_at,
        district=_district(s, definition, district),
        scope_prefixes=list(s.region_prefixes),
        all_regions=s.unrestricted,
        rights=[ALL_RIGHTS] if s.unrestricted else sorted(s.rights),
        source=source,
        requested_by=actor,
        total_chunks=compute.steps(definition),
    )
    audit.record(action="create", obj=run, user=actor, note=f"生成{run}")
    return run


def report_run_city(*, code: str, period: str, source: str = "cli") -> ReportRun:
    """A run over every region with every figure, computed now (the command line, the demo,
    the benchmark): no person asked, so no scope narrows it."""
    definition, window = _definition_and_window(code, period)
    run = ReportRun.objects.create(
        definition=definition,
        period=window.period,
        as_of=window.end_at,
        all_regions=True,
        rights=[ALL_RIGHTS],
        source=source,
        total_chunks=compute.steps(definition),
    )
    return run_execute(run)


def run_execute(run: ReportRun) -> ReportRun:
    """Compute a run, section by section, its progress stored after each; a failure is recorded
    on the run (and raised)."""
    now = clock.now()
    ReportRun.objects.filter(pk=run.pk).update(
        status=runs.RunStatus.RUNNING, started_at=now, heartbeat_at=now, done_chunks=0, error=""
    )
    rights = None if ALL_RIGHTS in run.rights else set(run.rights)

    def step(done: int) -> None:
        ReportRun.objects.filter(pk=run.pk).update(done_chunks=done, heartbeat_at=clock.now())

    try:
        result = compute.compute(
            run.definition,
            compute.run_window(run),
            prefixes=compute.run_prefixes(run),
            rights=rights,
            step=step,
        )
    except Exception as exc:
        ReportRun.objects.filter(pk=run.pk).update(
            status=runs.RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    ReportRun.objects.filter(pk=run.pk).update(
        status=runs.RunStatus.DONE,
        result=result,
        done_chunks=run.total_chunks,
        finished_at=clock.now(),
        heartbeat_at=clock.now(),
    )
    run.refresh_from_db()
    return run


def claim_next(run_id: int | None = None) -> ReportRun | None:
    """Take a queued run (or one whose worker went silent) for this process to compute."""
    run = runs.claim(ReportRun, stale_after=STALE_AFTER, run_id=run_id)
    if run is None:
        return None
    return ReportRun.objects.select_related("definition").get(pk=run.pk)


def requeue(run: ReportRun) -> None:
    runs.requeue(ReportRun, run, error="")


def require_done(run: ReportRun) -> ReportRun:
    if run.status != runs.RunStatus.DONE:
        raise Conflict("报表尚未生成完成", code="report_not_done")
    return run
