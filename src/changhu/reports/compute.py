"""Computing a report: the window of its period, and its figures section by section.

One query per column and row dimension (the rows' figures) plus one per column for the total
row, whatever the number of districts; a section is one step of the run's progress. The result
is plain JSON stored on the run: the two-level header (each column's measure over the keys it is
broken down by), the rows with their keys (the drill-down's address of each figure) and the
total row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from changhu.core import months
from changhu.core.errors import ValidationFailed
from changhu.reports import dimensions, measures
from changhu.reports.models import PeriodKind, ReportDefinition, ReportRun

_YEAR = re.compile(r"^\d{4}$")


class PeriodInvalid(ValidationFailed):
    code = "period_invalid"
    message = "报告期有误"


def window_for(period_kind: str, period: str) -> measures.Window:
    """The window of a month (``YYYY-MM``) or a year (``YYYY``); anything else is refused."""
    text = str(period or "").strip()
    if period_kind == PeriodKind.YEAR:
        if not _YEAR.match(text) or not 2000 <= int(text) <= 2099:
            raise PeriodInvalid(
                "年报的报告期应为四位年份，如2026", fields={"period": "格式应为YYYY"}
            )
        year = int(text)
        return measures.Window(text, dt.date(year, 1, 1), dt.date(year, 12, 31))
    if not months.is_strict(text) or not 2000 <= int(text[:4]) <= 2099:
        raise PeriodInvalid("月报的报告期应为年月，如2026-10", fields={"period": "格式应为YYYY-MM"})
    first, last = months.bounds(text)
    return measures.Window(text, first, last)


def run_window(run: ReportRun) -> measures.Window:
    return window_for(run.definition.period_kind, run.period)


def run_prefixes(run: ReportRun) -> tuple[str, ...] | None:
    """The run's division-code prefixes; None for every region."""
    if run.district:
        return (run.district,)
    return None if run.all_regions else tuple(run.scope_prefixes)


def _usable(measure: measures.Measure, rights: set[str] | None) -> bool:
    return rights is None or measure.right is None or measure.right in rights


def _column(measure, column, window, prefixes, row_dim, rights, key_options):
    by = column.get("by") or ""
    usable = _usable(measure, rights)
    dims = tuple(d for d in (row_dim, by) if d)
    figures = measure.figures(window, prefixes, dims) if usable else {}
    totals = measure.figures(window, prefixes, (by,) if by else ()) if usable else {}
    if by:
        found = {key[-1] for key in totals}
        sub = dimensions.keys(by, found, **key_options)
    else:
        sub = [("", "")]
    header = {
        "measure": measure.code,
        "label": column.get("label") or measure.label,
        "unit": measure.unit,
        "money": measure.money,
        "by": by,
        "by_title": dimensions.TITLES.get(by, ""),
        "keys": [[k, label] for k, label in sub],
        "withheld": not usable,
    }
    return header, figures, totals


def _lookup(figures: dict, key: tuple):
    """A figure by its keys given as text (grades are integers in the database)."""
    for found, value in figures.items():
        if tuple(str(k) for k in found) == key:
            return value
    return 0


def compute_section(section: dict, window, prefixes, rights, key_options) -> dict:
    row_dim = "" if section["rows"] == "total" else section["rows"]
    headers, blocks = [], []
    for column in section["columns"]:
        measure = measures.REGISTRY[column["measure"]]
        header, figures, totals = _column(
            measure, column, window, prefixes, row_dim, rights, key_options
        )
        headers.append(header)
        blocks.append((header, figures, totals))
    rows = []
    if row_dim:
        found = set()
        for _, figures, _ in blocks:
            found |= {str(key[0]) for key in figures}
        for key, label in dimensions.keys(row_dim, found, **key_options):
            cells = []
            for header, figures, _ in blocks:
                for sub, _ in header["keys"]:
                    cells.append(_lookup(figures, (key, sub) if header["by"] else (key,)))
            rows.append({"key": key, "label": label, "cells": cells})
    total_cells = []
    for header, _, totals in blocks:
        for sub, _ in header["keys"]:
            total_cells.append(_lookup(totals, (sub,) if header["by"] else ()))
    return {
        "code": section["code"],
        "title": section["title"],
        "rows_dimension": row_dim,
        "rows_title": dimensions.TITLES.get(row_dim or "total", ""),
        "columns": headers,
        "rows": rows,
        "total": {"key": "", "label": "合计", "cells": total_cells},
    }


def compute_summary(item: dict, window, prefixes, rights, key_options) -> dict:
    """``{total, by_<dimension>: {label: value}}`` of one measure."""
    measure = measures.REGISTRY[item["measure"]]
    if not _usable(measure, rights):
        return {"total": 0, **{f"by_{code}": {} for code in item.get("by", [])}}
    out = {"total": _lookup(measure.figures(window, prefixes), ())}
    for code in item.get("by", []):
        figures = measure.figures(window, prefixes, (code,))
        found = {str(key[0]) for key in figures}
        out[f"by_{code}"] = {
            label: _lookup(figures, (key,))
            for key, label in dimensions.keys(code, found, **key_options)
        }
    return out


def compute(
    definition: ReportDefinition,
    window: measures.Window,
    *,
    prefixes: tuple[str, ...] | None,
    rights: set[str] | None,
    step: Callable[[int], None] | None = None,
) -> dict:
    """Every section and the summary of a report for a window; ``step(n)`` after each."""
    key_options = {"prefixes": prefixes or (), "all_regions": prefixes is None}
    body = definition.definition
    sections = []
    for number, section in enumerate(body["sections"], start=1):
        sections.append(compute_section(section, window, prefixes, rights, key_options))
        if step:
            step(number)
    summary = {
        item["measure"]: compute_summary(item, window, prefixes, rights, key_options)
        for item in body.get("summary", [])
    }
    return {"sections": sections, "summary": summary}


def steps(definition: ReportDefinition) -> int:
    return len(definition.definition["sections"])
