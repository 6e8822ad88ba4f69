"""Excel exports: streamed with openpyxl's write-only mode, so a big export stays small in memory.

Each sheet gets a bold, frozen header row with a filter, and column widths measured from the
header and the first rows (a CJK character counts twice). Values keep their type: dates and
times are Excel dates, numbers are numbers, money given as :func:`yuan` shows as ``#,##0.00``.
Text is always text: a value like ``=1+1`` is not turned into a formula, and a text that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, so
that it stays inert when the sheet is re-saved as CSV or pasted elsewhere (formula injection,
OWASP "CSV injection").
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

_MEASURED_ROWS = 100
_MIN_WIDTH, _MAX_WIDTH = 8, 50
_MAX_TEXT = 32767  # Excel's limit for one cell
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_HEADER_FONT = Font(bold=True)
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center")


class Yuan(Decimal):
    """An amount in yuan with two decimals; written to Excel as a number in money format."""


def yuan(fen: int | None) -> Yuan | None:
    """Integer fen as yuan for a money column: ``123456`` -> ``Yuan("1234.56")``."""
    if fen is None:
        return None
    return Yuan(Decimal(int(fen)).scaleb(-2).quantize(Decimal("0.01")))


@dataclass
class Sheet:
    title: str
    headers: list[str]
    rows: Iterable[Sequence]
    widths: list[int] | None = None  # in characters; measured from the data when not given


def _text_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    text = f"{value:,.2f}" if isinstance(value, Yuan) else str(value)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _measured_widths(headers: list[str], sample: list[Sequence]) -> list[int]:
    widths = []
    for index, header in enumerate(headers):
        cells = [row[index] for row in sample if index < len(row)]
        longest = max([_text_width(header), *(_text_width(c) for c in cells)])
        widths.append(min(max(longest + 2, _MIN_WIDTH), _MAX_WIDTH))
    return widths


def neutralise(text: str) -> str:
    """``text`` as it may stand in a spreadsheet cell: never the start of a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _cell(ws, value) -> WriteOnlyCell:
    """A cell for one value, typed and formatted; text never becomes a formula."""
    number_format = None
    if isinstance(value, bool):
        value = "是" if value else "否"
    elif isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value)
        number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        number_format = DATE_FORMAT
    elif isinstance(value, Yuan):
        number_format = MONEY_FORMAT
    elif value is not None and not isinstance(value, int | float | Decimal | str):
        value = str(value)
    if isinstance(value, str):
        value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))[:_MAX_TEXT]
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if number_format:
        cell.number_format = number_format
    return cell


def _sheet_title(title: str) -> str:
    return _BAD_TITLE.sub("_", title).strip().strip("'")[:31] or "Sheet"


def _write_sheet(workbook: Workbook, sheet: Sheet) -> None:
    ws = workbook.create_sheet(_sheet_title(sheet.title))
    rows = iter(sheet.rows)
    sample = list(itertools.islice(rows, _MEASURED_ROWS))
    widths = sheet.widths or _measured_widths(sheet.headers, sample)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    header = []
    for title in sheet.headers:
        cell = WriteOnlyCell(ws, value=title)
        cell.font, cell.alignment = _HEADER_FONT, _HEADER_ALIGNMENT
        header.append(cell)
    ws.append(header)
    count = 0
    for row in itertools.chain(sample, rows):
        ws.append([_cell(ws, value) for value in row])
        count += 1
    if sheet.headers:
        last = get_column_letter(len(sheet.headers))
        ws.auto_filter.ref = f"A1:{last}{count + 1}"


def workbook_bytes(sheets: list[Sheet]) -> bytes:
    """An .xlsx file with one worksheet per :class:`Sheet`, in order."""
    if not sheets:
        raise ValueError("an Excel workbook needs at least one sheet")
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(workbook, sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the real name per RFC 5987/6266."""
    name = re.sub(r"[\x00-\x1f\x7f/\\]", "_", filename).strip() or "export"
    if not name.lower().endswith(".xlsx"):
        name += ".xlsx"
    stem = name[: -len(".xlsx")]
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-") or "export"
    return f"attachment; filename=\"{fallback}.xlsx\"; filename*=UTF-8''{quote(name, safe='')}"


def xlsx_response(filename: str, sheets: list[Sheet]) -> HttpResponse:
    """A download of the workbook; ``filename`` may be Chinese (``.xlsx`` is added if missing)."""
    response = HttpResponse(workbook_bytes(sheets), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _content_disposition(filename)
    response["Cache-Control"] = "no-store"
    return response


class _ExportRecord:
    """What the audit trail names for an export of a list (there is no one row)."""

    def __init__(self, what: str):
        self.pk = what
        self.what = what

    def __str__(self) -> str:
        return f"导出{self.what}"


def audited_workbook(
    *, actor, what: str, object_type: str, headers: list[str], rows, note: str = ""
) -> bytes:
    """One sheet ``what`` of ``rows`` under ``headers``, once the export is in the audit trail
    (action ``export``, the reader as the actor): every list a person takes away is recorded."""
    from django.db import transaction

    from changhu.core import audit

    with transaction.atomic():
        audit.record(
            action="export",
            obj=_ExportRecord(what),
            object_type=object_type,
            user=actor,
            note=note or f"导出{what}",
        )
    return workbook_bytes([Sheet(what, headers, list(rows))])


# --- tables with two-level headers (statistics reports) ----------------------------------------


@dataclass
class HeaderColumn:
    """A column of a table, or a group of columns under one label (``children`` their labels)."""

    label: str
    children: list[str] | None = None

    @property
    def span(self) -> int:
        return len(self.children) if self.children else 1


@dataclass
class Table:
    """A titled table: a row-label column, columns that may group sub-columns, its rows (the
    row label first) and an optional bold last row (the total)."""

    title: str
    row_header: str
    columns: list[HeaderColumn]
    rows: list[Sequence]
    total: Sequence | None = None


_TITLE_FONT = Font(bold=True, size=12)
_WRAP_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _write_table(ws, table: Table, top: int) -> int:
    """Write ``table`` from row ``top``; the next free row."""
    width = 1 + sum(c.span for c in table.columns)
    ws.cell(row=top, column=1, value=neutralise(table.title)).font = _TITLE_FONT
    ws.merge_cells(start_row=top, start_column=1, end_row=top, end_column=width)
    first, second = top + 1, top + 2
    head = ws.cell(row=first, column=1, value=neutralise(table.row_header))
    ws.merge_cells(start_row=first, start_column=1, end_row=second, end_column=1)
    cells = [head]
    column = 2
    for item in table.columns:
        cell = ws.cell(row=first, column=column, value=neutralise(item.label))
        cells.append(cell)
        if item.children:
            if item.span > 1:
                end = column + item.span - 1
                ws.merge_cells(start_row=first, start_column=column, end_row=first, end_column=end)
            for offset, child in enumerate(item.children):
                sub = ws.cell(row=second, column=column + offset, value=neutralise(child))
                cells.append(sub)
        else:
            ws.merge_cells(start_row=first, start_column=column, end_row=second, end_column=column)
        column += item.span
    for cell in cells:
        cell.font, cell.alignment = _HEADER_FONT, _WRAP_CENTER
    row_number = second + 1
    body = [(row, False) for row in table.rows]
    if table.total is not None:
        body.append((table.total, True))
    for values, bold in body:
        for index, value in enumerate(values, start=1):
            written = _cell(ws, value)
            cell = ws.cell(row=row_number, column=index, value=written.value)
            if written.number_format and written.number_format != "General":
                cell.number_format = written.number_format
            if bold:
                cell.font = _HEADER_FONT
        row_number += 1
    return row_number + 1


def tables_workbook_bytes(sheet_title: str, tables: list[Table], note: str = "") -> bytes:
    """An .xlsx file with the tables one under another on one sheet, each with its two-level
    header (merged cells: a group's label over its sub-columns, a lone column's over both
    header rows). ``note`` goes in the first row (what, for when, as of when)."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = _sheet_title(sheet_title)
    top = 1
    if note:
        ws.cell(row=1, column=1, value=neutralise(note))
        top = 3
    widest = 1
    for table in tables:
        top = _write_table(ws, table, top)
        widest = max(widest, 1 + sum(c.span for c in table.columns))
    ws.column_dimensions["A"].width = 18
    for index in range(2, widest + 1):
        ws.column_dimensions[get_column_letter(index)].width = 14
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
