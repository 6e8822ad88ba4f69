"""Shared pytest fixtures: a small real city, organizations and one user per role.

``CHANGHU_TEST_TODAY=YYYY-MM-DD`` runs the whole session with the clock moved to 09:30 of that
day in Asia/Shanghai (time keeps ticking from there), so CI can prove that nothing depends on
the real date: weekends, holidays, month and year ends, leap days.
"""

import datetime as dt
import os
import zoneinfo

pytest_plugins = ["tests.fixtures"]

_traveller = None


def pytest_configure(config):
    global _traveller
    day = os.environ.get("CHANGHU_TEST_TODAY", "").strip()
    if not day:
        return
    import time_machine

    moment = dt.datetime.combine(
        dt.date.fromisoformat(day), dt.time(9, 30), tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")
    )
    _traveller = time_machine.travel(moment, tick=True)
    _traveller.start()


def pytest_report_header(config):
    day = os.environ.get("CHANGHU_TEST_TODAY", "").strip()
    return f"clock moved to {day} 09:30 Asia/Shanghai" if day else None


def pytest_unconfigure(config):
    if _traveller is not None:
        _traveller.stop()
