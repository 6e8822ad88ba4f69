"""A run as files: an Excel workbook with two-level headers (core.excel) and a PDF (core.pdf).
Money is stored in fen and shown in yuan."""

from __future__ import annotations

from changhu.core import excel
from changhu.core.money import format_yuan


def leaves(section: dict) -> list[tuple[dict, str, str]]:
    """Each figure column of a section: (its column header, its key, its label)."""
    out = []
    for header in section["columns"]:
        for key, label in header["keys"]:
            out.append((header, key, label))
    return out


def _label(header: dict) -> str:
    unit = "元" if header["money"] else header["unit"]
    return f"{header['label']}（{unit}）"


def flat_headers(section: dict) -> list[str]:
    """One line of column titles: "measure（unit）" or "measure（unit）/key"."""
    return [
        f"{_label(header)}/{label}" if header["by"] else _label(header)
        for header, _, label in leaves(section)
    ]


def display(header: dict, value) -> str:
    if header.get("withheld"):
        return "—"
    if header["money"]:
        return format_yuan(value or 0)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _excel_value(header: dict, value):
    if header.get("withheld"):
        return None
    return excel.yuan(value) if header["money"] else value


def _table(section: dict) -> excel.Table:
    columns = [
        excel.HeaderColumn(_label(h), [label for _, label in h["keys"]] if h["by"] else None)
        for h in section["columns"]
    ]
    figures = leaves(section)

    def row(item: dict) -> list:
        return [
            item["label"],
            *(_excel_value(h, v) for (h, _, _), v in zip(figures, item["cells"], strict=True)),
        ]

    return excel.Table(
        section["title"],
        section["rows_title"],
        columns,
        [row(item) for item in section["rows"]],
        row(section["total"]),
    )


def scope_label(run) -> str:
    """The regions a run counted, as a person reads them (a prefix "5101" is 成都市)."""
    from changhu.orgs.models import Region

    if run.all_regions:
        return "全部地区"
    prefixes = [run.district] if run.district else list(run.scope_prefixes)
    codes = {code for p in prefixes for code in (p, p.ljust(6, "0"), p.ljust(12, "0"))}
    names = list(
        Region.objects.filter(code__in=codes).order_by("code").values_list("name", flat=True)
    )
    return "、".join(names) or "本单位管辖区域"


def describe(run) -> str:
    from changhu.reports.compute import run_window

    scope = scope_label(run)
    last = run_window(run).last
    return (
        f"{run.definition.name}，报告期{run.period}，统计范围：{scope}，"
        f"人数类指标统计至{last:%Y-%m-%d}日终，报表定义版本{run.definition.version}"
    )


def file_name(run, extension: str) -> str:
    return f"{run.definition.name}-{run.period}.{extension}"


def xlsx_bytes(run) -> bytes:
    tables = [_table(section) for section in run.result["sections"]]
    return excel.tables_workbook_bytes(run.definition.name, tables, note=describe(run))


def table_rows(section: dict) -> list[dict]:
    """Rows for a page or the PDF: each cell with its display text and drill-down address."""
    figures = leaves(section)
    rows = []
    for item in [*section["rows"], section["total"]]:
        cells = []
        for index, ((header, key, _), value) in enumerate(zip(figures, item["cells"], strict=True)):
            column = section["columns"].index(header)
            cells.append(
                {
                    "text": display(header, value),
                    "column": column,
                    "key": key,
                    "zero": not value,
                    "withheld": header.get("withheld", False),
                    "index": index,
                }
            )
        rows.append(
            {
                "key": item["key"],
                "label": item["label"],
                "total": item is section["total"],
                "cells": cells,
            }
        )
    return rows


def _pdf_section(section: dict) -> dict:
    return {
        "title": section["title"],
        "rows_title": section["rows_title"],
        "columns": [
            {
                "label": _label(h),
                "keys": h["keys"] if h["by"] else [],
                "span": len(h["keys"]),
            }
            for h in section["columns"]
        ],
        "rows": table_rows(section),
    }


def pdf_bytes(run) -> bytes:
    from changhu.core.pdf import render_pdf

    return render_pdf(
        "reports/report_pdf.html",
        {
            "title": run.definition.name,
            "run": run,
            "description": describe(run),
            "sections": [_pdf_section(section) for section in run.result["sections"]],
        },
    )
