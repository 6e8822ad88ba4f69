"""Business months, in one place (pure Python).

A month is written ``YYYY-MM`` (``2026-10``) in URLs, files, the API and settlement periods.
Everything that parses a month, finds its first and last day, or steps to another month does it
here; "this month" itself comes from the clock (``changhu.core.clock.this_month``).
"""

from __future__ import annotations

import datetime as dt
import re

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
ONE_DAY = dt.timedelta(days=1)


def parse(value: str | dt.date) -> dt.date:
    """The first day of a month given as ``YYYY-MM`` or as any date in it.

    Raises ``ValueError`` for anything else (callers turn it into their own Chinese error)."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    match = _MONTH.match(text)
    if match is None:
        # Also accept a single-digit month (``2026-3``), as people type it.
        loose = re.match(r"^(\d{4})-(\d{1,2})$", text)
        if loose is None or not 1 <= int(loose.group(2)) <= 12:
            raise ValueError(f"month must be YYYY-MM, got {value!r}")
        return dt.date(int(loose.group(1)), int(loose.group(2)), 1)
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def is_strict(value: str) -> bool:
    """Whether ``value`` is exactly ``YYYY-MM`` (two-digit month)."""
    return bool(_MONTH.match(str(value or "").strip()))


def bounds(value: str | dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the month."""
    first = parse(value)
    return first, shift(first, 1) - ONE_DAY


def last_day(value: str | dt.date) -> dt.date:
    return bounds(value)[1]


def shift(value: str | dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after (negative: before) the given month."""
    first = parse(value)
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def key(value: str | dt.date) -> str:
    """The month as ``YYYY-MM``."""
    return f"{parse(value):%Y-%m}"


def days(value: str | dt.date) -> list[dt.date]:
    """Every day of the month, in order."""
    first, last = bounds(value)
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
