"""Working days under the State Council's holiday arrangements (放假调休).

A day is a working day when the loaded calendar says so (a weekend worked, 调休上班), is not a
holiday, and otherwise when it is Monday to Friday. For years whose notice is not loaded only
the Monday-to-Friday rule applies: :func:`calendar_covers` tells whether a year is covered,
and the first use of an uncovered year in a process is logged as a warning.

The calendar is read in one query and kept per process; loading calendars clears it, and it
is re-read after ``CACHE_SECONDS`` so other processes pick up a newly loaded year.
"""

from __future__ import annotations

import bisect
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from changhu.core.models import CalendarDay

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class _Calendar:
    kinds: dict[date, str]
    years: frozenset[int]
    # Days that differ from the Monday-to-Friday rule, sorted, with the running total of
    # their effect on a count of working days (-1 a weekday off, +1 a weekend worked).
    shift_dates: tuple[date, ...]
    shift_totals: tuple[int, ...]
    read_at: float


_cached: _Calendar | None = None
_warned_years: set[int] = set()


def clear_cache() -> None:
    """Forget the calendar read from the database; the next call reads it again."""
    global _cached
    _cached = None
    _warned_years.clear()


def _read() -> _Calendar:
    kinds: dict[date, str] = {}
    years: set[int] = set()
    for day, kind, year in CalendarDay.objects.values_list("date", "kind", "year"):
        kinds[day] = kind
        years.add(year)
    shifts = []
    for day in sorted(kinds):
        weekend = day.weekday() >= 5
        if kinds[day] == CalendarDay.Kind.HOLIDAY and not weekend:
            shifts.append((day, -1))
        elif kinds[day] == CalendarDay.Kind.WORKDAY and weekend:
            shifts.append((day, 1))
    totals, running = [], 0
    for _, delta in shifts:
        running += delta
        totals.append(running)
    return _Calendar(
        kinds=kinds,
        years=frozenset(years),
        shift_dates=tuple(day for day, _ in shifts),
        shift_totals=tuple(totals),
        read_at=time.monotonic(),
    )


def _calendar() -> _Calendar:
    global _cached
    calendar = _cached
    if calendar is None or time.monotonic() - calendar.read_at > CACHE_SECONDS:
        calendar = _cached = _read()
    return calendar


def _check(*days: date) -> None:
    for day in days:
        if isinstance(day, datetime) or not isinstance(day, date):
            raise TypeError(f"expected a date, got {type(day).__name__}")


def _note_uncovered(calendar: _Calendar, first: date, last: date) -> None:
    for year in range(first.year, last.year + 1):
        if year not in calendar.years and year not in _warned_years:
            _warned_years.add(year)
            logger.warning("no holiday calendar loaded for %s: using Monday to Friday", year)


def _working(calendar: _Calendar, day: date) -> bool:
    kind = calendar.kinds.get(day)
    if kind is not None:
        return kind == CalendarDay.Kind.WORKDAY
    return day.weekday() < 5


def covered_years() -> frozenset[int]:
    """The years whose holiday notice is loaded."""
    return _calendar().years


def calendar_covers(year: int) -> bool:
    """Whether the holiday notice of ``year`` is loaded (otherwise Monday to Friday applies)."""
    return year in _calendar().years


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day (调休 weekends count, holidays do not)."""
    _check(day)
    calendar = _calendar()
    _note_uncovered(calendar, day, day)
    return _working(calendar, day)


def add_working_days(start: date, n: int) -> date:
    """The day ``n`` working days after ``start`` (``start`` not counted); n=0 gives ``start``.

    A negative ``n`` counts back: the day ``-n`` working days before ``start``.
    """
    _check(start)
    if n == 0:
        return start
    calendar = _calendar()
    step = timedelta(days=1 if n > 0 else -1)
    day, left = start, abs(n)
    while left:
        day += step
        if _working(calendar, day):
            left -= 1
    _note_uncovered(calendar, min(start, day), max(start, day))
    return day


def _weekdays_through(day: date) -> int:
    """Mondays to Fridays from 0001-01-01 (a Monday) through ``day``."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


def _shift_through(calendar: _Calendar, day: date) -> int:
    index = bisect.bisect_right(calendar.shift_dates, day)
    return calendar.shift_totals[index - 1] if index else 0


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is earlier.

    For ``n >= 0`` it undoes :func:`add_working_days`:
    ``working_days_between(d, add_working_days(d, n)) == n``.
    """
    _check(start, end)
    if end < start:
        return -working_days_between(end, start)
    calendar = _calendar()
    _note_uncovered(calendar, start, end)
    weekdays = _weekdays_through(end) - _weekdays_through(start)
    return weekdays + _shift_through(calendar, end) - _shift_through(calendar, start)


# The State Council usually publishes next year's arrangement between October and December.
NEXT_YEAR_EXPECTED_FROM = (11, 1)


def missing_calendar_years(today: date) -> list[int]:
    """The years whose holiday notice should be loaded by ``today`` but is not: this year, and
    next year from November on. Working days in those years fall back to Monday to Friday."""
    years = [today.year]
    if (today.month, today.day) >= NEXT_YEAR_EXPECTED_FROM:
        years.append(today.year + 1)
    covered = _calendar().years
    return [year for year in years if year not in covered]


def calendar_warnings(today: date, *, operator: bool = False) -> list[str]:
    """A Chinese sentence for each missing year: for the dashboard, or with the fix spelled out
    for the operator (``changhu check``)."""
    fix = (
        "请将通知整理为 presets/calendars/cn-{year}.json 后运行 changhu load-presets。"
        if operator
        else "请联系系统管理员加载该年的放假安排。"
    )
    return [
        f"{year}年的节假日安排（国务院放假通知）尚未加载：该年的工作日暂按周一至周五计算，"
        "公示期、补充材料等期限可能不准确。" + fix.format(year=year)
        for year in missing_calendar_years(today)
    ]
