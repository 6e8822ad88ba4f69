"""The one clock: every "today" and "now" in the product is read here.

Business dates (deadlines, months, validity) are dates in Asia/Shanghai; timestamps are
aware datetimes stored in UTC. Nothing else reads the system clock, so tests and the demo can
move time in one place (the test suite freezes it with time-machine; ``CHANGHU_TEST_TODAY``
runs the whole suite on a chosen day).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from changhu.core import months


def now() -> dt.datetime:
    """The current moment, timezone-aware (UTC)."""
    return timezone.now()


def today() -> dt.date:
    """Today's date in the project's time zone (Asia/Shanghai)."""
    return timezone.localdate(timezone.now())


def this_month() -> str:
    """The current business month, ``YYYY-MM``."""
    return f"{today():%Y-%m}"


def month_start(day: dt.date | None = None) -> dt.date:
    """The first day of ``day``'s month (today's by default)."""
    return (day or today()).replace(day=1)


def previous_month_start(day: dt.date | None = None) -> dt.date:
    """The first day of the month before ``day``'s month (today's by default)."""
    return months.shift(day or today(), -1)
