"""Resident identity numbers (居民身份证号码, GB 11643) and mobile numbers.

Each failure has its own code and Chinese message so a person knows what to fix.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from changhu.core import clock
from changhu.core.errors import field_error

_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_VALID_PROVINCES = {
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
    "83",
}


# GB 11643-1999: ISO 7064 MOD 11-2 over the first 17 digits.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


@lru_cache(maxsize=8192)
def division_known(code: str) -> bool:
    """Whether a 6-digit division code appears in python-stdnum's GB/T 2260 history.

    Any period counts: numbers were first issued from 1985 with the code of the household
    registration at the time, so a code created after the person's birth year is normal.
    """
    from stdnum import numdb

    return any("county" in props for _part, props in numdb.get("cn/loc").info(code))


def check_digit(first17: str) -> str:
    """The check character of an identity number from its first 17 digits."""
    return _CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class IdentityFacts:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    division_code: str


def normalize_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def parse_id_number(value: str, *, field: str = "id_number", today: dt.date | None = None):
    """Validate an 18-character identity number; return its birth date, sex and division code."""
    number = normalize_id_number(value)
    if not number:
        raise field_error(field, "id_number_required", "请填写身份证号码")
    if len(number) != 18:
        raise field_error(field, "id_number_length", f"身份证号码应为18位，当前为{len(number)}位")
    if not _ID_SHAPE.match(number):
        raise field_error(field, "id_number_format", "身份证号码前17位应为数字，最后一位为数字或X")
    if number[:2] not in _VALID_PROVINCES or not division_known(number[:6]):
        raise field_error(field, "id_number_division", f"身份证号码的行政区划代码{number[:6]}无效")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise field_error(
            field, "id_number_birth_date", f"身份证号码中的出生日期{number[6:14]}不是有效日期"
        ) from None
    today = today or clock.today()
    if birth > today or birth.year < 1880:
        raise field_error(
            field, "id_number_birth_date", f"身份证号码中的出生日期{number[6:14]}不合理"
        )
    if check_digit(number[:17]) != number[17]:
        raise field_error(field, "id_number_checksum", "身份证号码校验位错误，请核对最后一位")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdentityFacts(number=number, birth_date=birth, sex=sex, division_code=number[:6])


def make_id_number(division_code: str, birth: dt.date, sequence: int) -> str:
    """Build a valid number (for demo data and tests); odd sequence = male."""
    body = f"{division_code}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + check_digit(body)


def normalize_phone(value: str, *, field: str = "phone") -> str:
    """Accept a mainland mobile (11 digits) or a landline with area code; return it normalised."""
    phone = re.sub(r"[\s()]", "", value or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not phone:
        return ""
    if _MOBILE.match(phone):
        return phone
    if _LANDLINE.match(phone):
        return phone
    raise field_error(field, "phone_format", "电话号码格式不正确：手机号为11位数字，固话需带区号")
