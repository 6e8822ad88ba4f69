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
