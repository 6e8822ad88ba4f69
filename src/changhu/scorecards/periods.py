"""Scoring periods (pure Python): a month ``YYYY-MM``, a quarter ``YYYY-Qn`` or a year ``YYYY``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from changhu.core import months

_PATTERNS = (
    ("month", re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")),
    ("quarter", re.compile(r"^(\d{4})-Q([1-4])$")),
    ("year", re.compile(r"^(\d{4})$")),
)


@dataclass(frozen=True)
class Period:
    """A scoring period: its key, its granularity and its first and last day."""

    key: str
    granularity: str  # month | quarter | year
    first: dt.date
    last: dt.date

    @property
    def months(self) -> list[str]:
        """The months of the period, ``YYYY-MM``, in order."""
        out, day = [], self.first
        while day <= self.last:
            out.append(months.key(day))
            day = months.shift(day, 1)
        return out

    @property
    def label(self) -> str:
        year = self.first.year
        if self.granularity == "month":
            return f"{year}年{self.first.month}月"
        if self.granularity == "quarter":
            return f"{year}年第{(self.first.month - 1) // 3 + 1}季度"
        return f"{year}年度"

    def shift(self, steps: int) -> Period:
        """The period ``steps`` periods later (negative: earlier), of the same granularity."""
        size = {"month": 1, "quarter": 3, "year": 12}[self.granularity]
        return _make(self.granularity, months.shift(self.first, steps * size))


def _make(granularity: str, first: dt.date) -> Period:
    if granularity == "month":
        key, size = months.key(first), 1
    elif granularity == "quarter":
        key, size = f"{first.year}-Q{(first.month - 1) // 3 + 1}", 3
    else:
        key, size = f"{first.year}", 12
    return Period(key, granularity, first, months.shift(first, size) - months.ONE_DAY)


def parse(value: str) -> Period:
    """The period written ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``; ``ValueError`` for anything else."""
    text = str(value or "").strip()
    for granularity, pattern in _PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        year = int(match.group(1))
        if not 2000 <= year <= 2099:
            break
        if granularity == "month":
            return _make(granularity, dt.date(year, int(match.group(2)), 1))
        if granularity == "quarter":
            return _make(granularity, dt.date(year, int(match.group(2)) * 3 - 2, 1))
        return _make(granularity, dt.date(year, 1, 1))
    raise ValueError(f"period must be YYYY-MM, YYYY-Qn or YYYY, got {value!r}")


def last_complete_quarter(today: dt.date) -> Period:
    """The last quarter that has ended before ``today``."""
    return _make("quarter", dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)).shift(-1)
