"""Columns, cell values and the parsers of typed fields shared by every import; pure, no Django.

A parser returns the value, ``None`` for an empty cell, or a :class:`Problem` naming the field,
a stable code and a Chinese message. Services raise problems as field errors; the import
reports them per row and column.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import KW_ONLY, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

TEXT = "text"
DATE = "date"  # a day count from a cell that lost its date format becomes a date again
DIGITS = "digits"  # ID numbers, phones, codes: text in the template; a number cell is noted

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


@dataclass(frozen=True)
class Problem:
    """Why a value was refused: the field, a stable code and a message in Chinese."""

    field: str
    code: str
    message: str


@dataclass(frozen=True)
class Column:
    """One column of an import file."""

    field: str
    label: str  # the Chinese header of the template, used in every error message
    _: KW_ONLY
    aliases: tuple[str, ...] = ()  # other headers accepted for it
    required: bool = False
    hint: str = ""  # shown in the template's 填写说明
    cell: str = TEXT


def parse_date(value, field: str, label: str) -> dt.date | Problem | None:
    """A date, ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY.MM.DD`` or ``YYYYMMDD``; empty gives None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return Problem(field, "date_format", f"{label}“{text}”不是有效日期，应为YYYY-MM-DD")


def parse_coordinate(value, field: str, low: int, high: int, label: str):
    """A WGS-84 coordinate with six decimals, or None when empty."""
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return Problem(field, "coordinate_format", f"{label}应为数字")
    if not number.is_finite() or not (low <= number <= high):
        return Problem(field, "coordinate_range", f"{label}应在{low}到{high}之间")
    return number.quantize(Decimal("0.000001"))


def normalise_header(value: Any) -> str:
    """A header as compared with labels: no leading ``*``, spaces or full-width brackets; lower
    case."""
    text = str(value or "").strip().lstrip("*＊").strip()
    text = text.replace("（", "(").replace("）", ")").replace("／", "/")
    return re.sub(r"\s+", "", text).lower()


def cell_text(value: Any) -> str:
    """A cell as the text a person typed: whole numbers without ``.0``, dates as ISO days."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def excel_serial(value: Any) -> Any:
    """A date cell that lost its date format arrives as a day count; turn it back into a date."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 < value < 80000:
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()
    return value


def held_a_number(value: Any, text: str) -> bool:
    """Whether a cell meant as text (an ID number) was stored as a number, losing digits."""
    if isinstance(value, float):
        return True
    return ("E" in text or "e" in text) and bool(_SCIENTIFIC.match(text))
