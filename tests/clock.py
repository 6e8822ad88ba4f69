"""Moving the one clock in tests: ``with on(day):`` runs the block at 10:00 of ``day`` in
Asia/Shanghai (time keeps ticking from there)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from contextlib import contextmanager

import time_machine

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    """``hour`` o'clock of ``day`` in Asia/Shanghai."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


@contextmanager
def on(day: dt.date, hour: int = 10):
    """Run the block with the clock at ``hour`` o'clock of ``day`` (Asia/Shanghai)."""
    with time_machine.travel(moment(day, hour), tick=True):
        yield
