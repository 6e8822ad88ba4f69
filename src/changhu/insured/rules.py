"""Pure validation of insured-person input; no Django. Each failure: field, code, Chinese text."""

from __future__ import annotations

import re

# Shared with every import; kept importable from here.
from changhu.core.imports.cells import Problem
from changhu.core.imports.cells import parse_coordinate as parse_coordinate
from changhu.core.imports.cells import parse_date as parse_date

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


def check_name(value: str) -> str | Problem:
    name = (value or "").strip()
    if not name:
        return Problem("name", "name_required", "请填写姓名")
    if not _NAME.match(name):
        return Problem("name", "name_format", "姓名只能包含汉字、字母和间隔号·，最长40字")
    return name


def parse_insurance_type(value) -> str | Problem:
    key = (value or "").strip()
    if not key:
        return Problem("insurance_type", "insurance_type_required", "请选择参保类型")
    if key in INSURANCE_TYPE_WORDS:
        return INSURANCE_TYPE_WORDS[key]
    return Problem("insurance_type", "insurance_type_invalid", "参保类型应为“职工”或“居民”")
