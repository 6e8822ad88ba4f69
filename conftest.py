"""Shared pytest fixtures: a small real city, organizations and one user per role.

The whole session runs with the clock moved to 09:30 Asia/Shanghai of one day (time keeps
ticking from there): the real date by default, or ``CHANGHU_TEST_TODAY=YYYY-MM-DD``, so CI can
prove that nothing depends on the real date (weekends, holidays, month and year ends, leap days)
and nothing depends on the hour the suite happens to start (a demo seeded at 01:30 has no
visits "this morning" yet). Child processes a test starts (``python -m changhu …``) get the same
clock through ``CHANGHU_TEST_CLOCK_OFFSET`` (see ``tests/clock.py``).
"""

import datetime as dt
import os
import zoneinfo

pytest_plugins = ["tests.fixtures"]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
_traveller = None


def _session_day() -> dt.date:
    day = os.environ.get("CHANGHU_TEST_TODAY", "").strip()
    return dt.date.fromisoformat(day) if day else dt.datetime.now(SHANGHAI).date()


def pytest_configure(config):
    global _traveller
    import time_machine

    moment = dt.datetime.combine(_session_day(), dt.time(9, 30), tzinfo=SHANGHAI)
    offset = moment - dt.datetime.now(dt.UTC)
    os.environ["CHANGHU_TEST_CLOCK_OFFSET"] = str(offset.total_seconds())
    _traveller = time_machine.travel(moment, tick=True)
    _traveller.start()


def pytest_report_header(config):
    return f"clock moved to {_session_day()} 09:30 Asia/Shanghai"


def pytest_unconfigure(config):
    if _traveller is not None:
        _traveller.stop()
