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


# A child process (``python -c PRELUDE + script``) moves its clock by the session's offset, so
# it sees the same "now" as the test that started it (conftest.py sets the offset).
PRELUDE = """
import datetime as _dt, os as _os
_offset = float(_os.environ.get("CHANGHU_TEST_CLOCK_OFFSET") or 0)
if _offset:
    import time_machine as _tm
    _tm.travel(_dt.datetime.now(_dt.UTC) + _dt.timedelta(seconds=_offset), tick=True).start()
"""


def child(args: list[str]) -> list[str]:
    """``python`` arguments (``-c script …`` or ``-m changhu …``) for a child process on the
    session's clock."""
    if args[0] == "-c":
        return ["-c", PRELUDE + args[1], *args[2:]]
    if args[:2] == ["-m", "changhu"]:
        return [
            "-c",
            PRELUDE + "import sys\nfrom changhu.cli import main\nmain(sys.argv[1:])",
            *args[2:],
        ]
    raise ValueError(f"not a changhu child process: {args[:2]}")
