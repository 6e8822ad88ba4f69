"""Every read of reports, narrowed to the reader's scope.

Definitions are seen by anyone holding ``reports.view``. A run is seen by a reader whose regions
cover every region the run counted (the bureau sees its districts' and the city's runs, an
insurer only runs within the districts it administers); the rows behind a figure go, on top of
that, through the scope policies of the apps that own them, so a drill-down never lists a row
the reader could not open in its own module.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from changhu.core import scope
from changhu.core.errors import NotFound
from changhu.orgs.roles import Right
from changhu.reports import compute, measures
from changhu.reports.models import ReportDefinition, ReportRun


@scope.register(ReportDefinition)
def _definition_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    return queryset if s.can(Right.REPORTS_VIEW) else queryset.none()


def _covers(s: scope.Scope, run: dict) -> bool:
    if s.unrestricted:
        return True
    if run["all_regions"]:
        return False
    counted = [run["district"]] if run["district"] else list(run["scope_prefixes"])
    return bool(counted) and all(s.covers_region(code) for code in counted)


@scope.register(ReportRun)
def _run_policy(queryset: QuerySet, s: scope.Scope) -> QuerySet:
    if not s.can(Right.REPORTS_VIEW):
        return queryset.none()
    # Runs are few (people ask for them one at a time): the covering test runs in Python.
    candidates = queryset.model.objects.filter(pk__in=queryset.values("pk")).values(
        "pk", "all_regions", "district", "scope_prefixes"
    )
    return queryset.filter(pk__in=[run["pk"] for run in candidates if _covers(s, run)])


def definition_list(*, fetched_by) -> list[ReportDefinition]:
    """The latest version of each report."""
    rows = scope.scoped(
        ReportDefinition.objects.order_by("code", "-effective_from", "-id"), fetched_by
    )
    latest: dict[str, ReportDefinition] = {}
    for row in rows:
        latest.setdefault(row.code, row)
    return sorted(latest.values(), key=lambda d: (d.period_kind != "month", d.code))


def definition_get(*, fetched_by, code: str) -> ReportDefinition:
    for definition in definition_list(fetched_by=fetched_by):
        if definition.code == code:
            return definition
    raise NotFound()


def run_list(*, fetched_by, code: str = "") -> QuerySet:
    qs = ReportRun.objects.select_related("definition", "requested_by")
    if code:
        qs = qs.filter(definition__code=code)
    return scope.scoped(qs, fetched_by).order_by("-created_at", "-id")


def run_get(*, fetched_by, run_id: int) -> ReportRun:
    return scope.get_scoped(
        ReportRun.objects.select_related("definition", "requested_by"), fetched_by, pk=run_id
    )


@dataclass
class DrillDown:
    run: ReportRun
    section: dict
    column: dict
    row_label: str
    key_label: str
    measure: measures.Measure
    columns: list[str]
    rows: list[list]
    total: int


def drill_down(
    *,
    fetched_by,
    run: ReportRun,
    section: str,
    column: int,
    row: str = "",
    key: str = "",
    limit: int = 500,
) -> DrillDown:
    """The rows behind one figure of a run that the reader may see (at most ``limit``)."""
    found = next((s for s in run.result.get("sections", []) if s["code"] == section), None)
    if found is None or not 0 <= column < len(found["columns"]):
        raise NotFound()
    header = found["columns"][column]
    measure = measures.get(header["measure"])
    if measure is None or header.get("withheld"):
        raise NotFound()
    keys: dict[str, str] = {}
    row_label = "合计"
    if found["rows_dimension"] and row:
        labels = {r["key"]: r["label"] for r in found["rows"]}
        if row not in labels:
            raise NotFound()
        keys[found["rows_dimension"]] = row
        row_label = labels[row]
    key_label = ""
    if header["by"]:
        labels = dict((k, label) for k, label in header["keys"])
        if key not in labels:
            raise NotFound()
        keys[header["by"]] = key
        key_label = labels[key]
    qs = measure.drill(compute.run_window(run), compute.run_prefixes(run), keys)
    qs = scope.scoped(qs, fetched_by).order_by("pk")
    rows = [[get(item) for _, get in measure.columns] for item in qs[:limit]]
    return DrillDown(
        run,
        found,
        header,
        row_label,
        key_label,
        measure,
        [label for label, _ in measure.columns],
        rows,
        qs.count(),
    )
