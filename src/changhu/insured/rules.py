"""Pure validation of insured-person input; no Django. Each failure: field, code, Chinese text."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_NAME = re.compile(r"^[\u4e00-\u9fa5\u3400-\u4dbfA-Za-z·•\s]{1,40}$")

INSURANCE_TYPE_WORDS = {
    "职工": "employee",
    "居民": "resident",
    "employee": "employee",
    "resident": "resident",
    "城镇职工": "employee",
    "城乡居民": "resident",
}
SEX_WORDS = {"男": "M", "女": "F", "M": "M", "F": "F"}


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str


def check_name(value: str) -> str | Problem:
    name = (value or "").strip()
    if not name:
        return Problem("name", "name_required", "请填写姓名")
    if not _NAME.match(name):
        return Problem("name", "name_format", "姓名只能包含汉字、字母和间隔号·，最长40字")
    return name


def parse_date(value, field: str, label: str) -> dt.date | Problem | None:
    """Accepts a date, ``YYYY-MM-DD``, ``YYYY/MM/DD`` or ``YYYYMMDD``; empty gives None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return Problem(field, "date_format", f"{label}“{text}”不是有效日期，应为YYYY-MM-DD")


def parse_coordinate(value, field: str, low: float, high: float, label: str):
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return Problem(field, "coordinate_format", f"{label}应为数字")
    if not number.is_finite() or not (low <= number <= high):
        return Problem(field, "coordinate_range", f"{label}应在{low}到{high}之间")
    return number.quantize(Decimal("0.000001"))


def parse_insurance_type(value) -> str | Problem:
    key = (value or "").strip()
    if not key:
        return Problem("insurance_type", "insurance_type_required", "请选择参保类型")
    if key in INSURANCE_TYPE_WORDS:
        return INSURANCE_TYPE_WORDS[key]
    return Problem("insurance_type", "insurance_type_invalid", "参保类型应为“职工”或“居民”")
